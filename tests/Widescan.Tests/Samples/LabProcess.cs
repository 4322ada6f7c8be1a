using System.Diagnostics;
using System.Text;

namespace Widescan.Tests.Samples;

/// <summary>
/// A long-running process inside a lab namespace (<c>ip netns exec NS ...</c>, which execs the
/// command, so the process is the command itself): its output is kept for the test's messages, and it
/// is killed with its children on <see cref="Dispose"/>.
/// </summary>
internal sealed class LabProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private LabProcess(Process process) => _process = process;

    public static LabProcess Start(string ns, string workingDirectory, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["netns", "exec", ns, file, .. arguments])
            start.ArgumentList.Add(argument);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = new Process { StartInfo = start };
        var lab = new LabProcess(process);
        process.OutputDataReceived += (_, e) => lab.Append(e.Data);
        process.ErrorDataReceived += (_, e) => lab.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return lab;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>What it wrote so far (stdout and stderr), for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>Waits for it to end by itself; false when it ran past <paramref name="limit"/> (it is then killed).</summary>
    public bool WaitForExit(TimeSpan limit, out int exitCode)
    {
        var ended = _process.WaitForExit(limit);
        if (!ended)
            Dispose();
        _process.WaitForExit();
        exitCode = _process.ExitCode;
        return ended;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }
}
