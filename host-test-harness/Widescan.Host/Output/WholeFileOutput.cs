using System.Text;

namespace Widescan.Host.Output;

/// <summary>
/// An <c>--output</c> that is replaced whole: written to a fresh <c>FILE.RANDOM.tmp</c>, fsynced, then renamed over
/// the file (keeping its mode), so a failure leaves the old file as it was and never a half-written one.
/// Used by the commands that write a list at once (<c>widescan ripe</c>, <c>widescan prefixes</c>).
/// </summary>
internal static class WholeFileOutput
{
    /// <summary>
    /// The regular file the list replaces: --output itself, or the file a symbolic link names (the link
    /// stays). A device, FIFO, socket or directory is refused (<paramref name="refused"/> says why): the
    /// rename would replace the node itself (/dev/full turned into a regular file).
    /// </summary>
    /// <param name="output">--output.</param>
    /// <param name="command">The command as the message names it (<c>widescan ripe</c>).</param>
    /// <param name="refused">Null, or the message for an output that is not a regular file.</param>
    public static string Target(FileInfo output, string command, out string? refused)
    {
        refused = null;
        var path = output.FullName;
        if (FileIdentity.Of(path, followLinks: false) is { IsSymlink: true } && output.ResolveLinkTarget(returnFinalTarget: true) is { } final)
            path = final.FullName;
        if (FileIdentity.Of(path) is { IsRegular: false } identity)
        {
            refused = $"--output {output.FullName} is {identity.Kind}, not a regular file: {command} replaces its output whole " +
                "(a temporary file, then a rename), which would replace the node itself; leave out --output and redirect stdout instead " +
                $"({command} ... > {output.FullName})";
        }

        return path;
    }

    /// <summary>
    /// Writes <paramref name="write"/>'s text to a new temporary file beside <paramref name="target"/>
    /// (<c>target.RANDOM.tmp</c>, created exclusively), fsyncs it and renames it over the target.
    /// </summary>
    /// <remarks>
    /// The temporary name is fresh and made with O_EXCL (<see cref="FileMode.CreateNew"/>): a fixed
    /// <c>target.tmp</c> would be truncated if it already existed, and followed if it were a symbolic
    /// link, so anyone who can write the directory (a shared /tmp) could point it at another file and
    /// have a root merge overwrite that file; a crashed earlier run's leftover would be truncated too.
    /// </remarks>
    /// <exception cref="IOException">Writing or the rename failed (a full disk); the temporary file is removed and the target left as it was.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to write the directory.</exception>
    public static void Replace(string target, Action<TextWriter> write) =>
        TryReplace(target, writer =>
        {
            write(writer);
            return true;
        });

    /// <summary>
    /// As <see cref="Replace"/>, but <paramref name="write"/> decides at the end whether its text may
    /// replace the target (false: an input was cut short, and a partial list must not replace a whole
    /// one); then the temporary file is removed and the target left as it was.
    /// </summary>
    /// <returns>Whether the target was replaced.</returns>
    /// <exception cref="IOException">Writing or the rename failed (a full disk); the temporary file is removed and the target left as it was.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to write the directory.</exception>
    public static bool TryReplace(string target, Func<TextWriter, bool> write)
    {
        var temporary = $"{target}.{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6))}.tmp";
        var created = false;
        var replaced = false;
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                created = true;
                using var writer = new StreamWriter(stream, new UTF8Encoding(false));
                if (!write(writer))
                    return false;
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows() && File.Exists(target))
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(target));
            File.Move(temporary, target, overwrite: true);
            replaced = true;
            return true;
        }
        finally
        {
            // Only the file made here: never one that was there before under that name.
            if (created && !replaced)
                File.Delete(temporary);
        }
    }
}
