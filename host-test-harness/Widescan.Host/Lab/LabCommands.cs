using System.Diagnostics;

namespace Widescan.Host.Lab;

/// <summary>
/// Runs the system tools that build a lab (<c>ip</c>, <c>sysctl</c>, <c>ping</c>), each bounded by a
/// timeout, with an error that names the command and carries its stderr.
/// </summary>
internal static class LabCommands
{
    /// <summary>Long enough for a busy machine; an <c>ip</c> command normally takes milliseconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Runs <paramref name="file"/> and returns its stdout; throws <see cref="LabCommandException"/>
    /// on a non-zero exit or a timeout, and <see cref="OperationCanceledException"/> (after killing the
    /// command) when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public static string Run(string file, IReadOnlyList<string> args, CancellationToken cancellationToken = default, TimeSpan? timeout = null, string? input = null)
    {
        var result = Execute(file, args, cancellationToken, timeout ?? DefaultTimeout, input);
        if (result.ExitCode != 0)
            throw new LabCommandException($"{Describe(file, args)} failed (exit {result.ExitCode}): {FirstLines(result.Stderr)}");
        return result.Stdout;
    }

    /// <summary>Like <see cref="Run"/> but reports failure as false: for teardown, which must go on.</summary>
    public static bool TryRun(string file, IReadOnlyList<string> args, TimeSpan? timeout = null)
    {
        try
        {
            Run(file, args, CancellationToken.None, timeout);
            return true;
        }
        catch (LabCommandException)
        {
            return false;
        }
    }

    /// <summary>Runs a command and returns its exit code and output without judging them (ping's 1 means no answer).</summary>
    public static LabCommandResult Execute(string file, IReadOnlyList<string> args, CancellationToken cancellationToken, TimeSpan timeout, string? input = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new LabCommandException($"cannot start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LabCommandException($"cannot start {file}: {e.Message} (is it installed? {file} comes with {PackageOf(file)})");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            if (input is not null)
            {
                process.StandardInput.Write(input);
                process.StandardInput.Close();
            }

            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            try
            {
                process.WaitForExitAsync(timeoutSource.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                cancellationToken.ThrowIfCancellationRequested();
                throw new LabCommandException($"{Describe(file, args)} did not finish in {timeout.TotalSeconds:0.#} s and was killed");
            }

            return new LabCommandResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }

    /// <summary>The command line as a shell would show it, for messages.</summary>
    public static string Describe(string file, IReadOnlyList<string> args) =>
        string.Join(' ', args.Prepend(file).Select(a => a.Length == 0 || a.Contains(' ') ? $"'{a}'" : a));

    private static string FirstLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no message)" : string.Join(" | ", lines.Take(3));
    }

    private static string PackageOf(string file) => file switch
    {
        "ip" or "ss" => "iproute2",
        "ping" => "iputils-ping",
        "sysctl" => "procps",
        _ => "its package",
    };
}

/// <summary>What a lab command printed and how it ended.</summary>
internal sealed record LabCommandResult(int ExitCode, string Stdout, string Stderr);

/// <summary>A lab command failed, timed out or could not start; the message names it.</summary>
internal sealed class LabCommandException(string message) : Exception(message);
