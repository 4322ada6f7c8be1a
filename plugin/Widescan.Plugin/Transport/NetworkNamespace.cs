using System.Globalization;
using System.Runtime.ExceptionServices;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Transport;

/// <summary>
/// Runs code inside a named network namespace (one made with <c>ip netns add NAME</c>) from this
/// process. setns(CLONE_NEWNET) switches only the calling thread, so the work runs on a dedicated
/// thread that never returns to a pool; sockets it creates stay in that namespace for life and may
/// be used from any thread afterwards.
/// </summary>
/// <remarks>
/// Only the network namespace changes: /proc/self and /sys still show the process's own, so code
/// run here must learn about interfaces through sockets and netlink (libpcap does), not /sys.
/// </remarks>
internal static class NetworkNamespace
{
    private const string NamedDirectory = "/run/netns";

    /// <summary>Runs <paramref name="action"/> with the thread in namespace <paramref name="name"/>; rethrows its exception.</summary>
    /// <exception cref="ArgumentException">The name is empty or not a plain file name.</exception>
    /// <exception cref="FileNotFoundException">No namespace of that name.</exception>
    /// <exception cref="IOException">setns failed (it needs CAP_SYS_ADMIN).</exception>
    public static T Run<T>(string name, Func<T> action)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(action);
        if (name.Contains('/') || name is "." or "..")
            throw new ArgumentException($"'{name}' is not a namespace name", nameof(name));
        var path = Path.Combine(NamedDirectory, name);
        if (!File.Exists(path))
            throw new FileNotFoundException($"no network namespace '{name}' ({path} does not exist)", path);

        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read))
                {
                    var fd = (int)handle.DangerousGetHandle();
                    if (LibC.setns(fd, LibC.CLONE_NEWNET) != 0)
                        throw new IOException($"cannot enter network namespace '{name}': {LibC.Describe(LibC.LastErrno)}");
                }

                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {name}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>Runs <paramref name="action"/> with the thread in namespace <paramref name="name"/>.</summary>
    public static void Run(string name, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Run(name, () =>
        {
            action();
            return 0;
        });
    }

    /// <summary>Inode of the calling thread's network namespace; 0 when /proc cannot tell.</summary>
    public static ulong CurrentThreadInode() => InodeOf("/proc/thread-self/ns/net");

    /// <summary>Inode of the namespace of PID 1, the host's (or container's) own; 0 when unreadable.</summary>
    public static ulong InitialInode() => InodeOf("/proc/1/ns/net");

    /// <summary>Inode behind a namespace link such as /proc/PID/ns/net ("net:[4026531840]").</summary>
    internal static ulong InodeOf(string path)
    {
        try
        {
            var target = new FileInfo(path).LinkTarget;
            return ParseInode(target);
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    internal static ulong ParseInode(string? linkTarget)
    {
        if (linkTarget is null)
            return 0;
        var open = linkTarget.IndexOf('[');
        var close = linkTarget.IndexOf(']');
        return open >= 0 && close > open
            && ulong.TryParse(linkTarget.AsSpan(open + 1, close - open - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
            ? inode
            : 0;
    }
}
