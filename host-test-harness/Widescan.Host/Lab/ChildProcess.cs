using System.Diagnostics;

namespace Widescan.Host.Lab;

/// <summary>
/// A child of the demo (a listener or the scan, each under <c>ip netns exec</c>): its stderr lines
/// kept (the last few, for a failure message) and optionally relayed as they come; stopped with
/// SIGINT first so it writes its output, killed with its whole tree when it outlives the grace period.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private const int TailLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>What the report calls it ("scan", "peer 1").</summary>
    public string Name { get; }

    /// <summary>Its process id (that of <c>ip netns exec</c>, which execs the command in place).</summary>
    public int Pid => _process.Id;

    /// <summary>Whether it has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code, once it has ended.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="file"/>; each stderr (and stdout) line goes to <paramref name="relay"/> too when given.</summary>
    public static ChildProcess Start(string name, string file, IEnumerable<string> args, Action<string>? relay = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Line(e.Data, relay);
        process.ErrorDataReceived += (_, e) => child.Line(e.Data, relay);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The last lines it wrote, oldest first.</summary>
    public IReadOnlyList<string> Tail()
    {
        lock (_tail)
            return [.. _tail];
    }

    /// <summary>Waits for it to end on its own; false when <paramref name="timeout"/> passed first. Throws when cancelled.</summary>
    public bool WaitForExit(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            _process.WaitForExitAsync(limit.Token).GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// SIGINT, then up to <paramref name="grace"/> for it to finish, then a kill of its whole tree.
    /// Returns whether it stopped within the grace period. Never throws.
    /// </summary>
    public bool Stop(TimeSpan grace)
    {
        try
        {
            if (_process.HasExited)
                return true;
            Signals.Interrupt(_process.Id);
            if (_process.WaitForExit(grace))
                return true;
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(5));
            return false;
        }
        catch (InvalidOperationException)
        {
            // It was never started or has been reaped: nothing left to stop.
            return true;
        }
    }

    /// <summary>Kills it (and what it started) if it is still running.</summary>
    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(2));
        _process.Dispose();
    }

    private void Line(string? line, Action<string>? relay)
    {
        if (line is null)
            return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
                _tail.Dequeue();
        }

        relay?.Invoke(line);
    }
}
