using Widescan.Host;

namespace Widescan.Tests;

/// <summary>Runs the widescan command line in this process, with its stdout and stderr captured.</summary>
internal static class CliRun
{
    /// <summary>The exit code and what the command wrote (stdout with '\r' removed).</summary>
    public sealed record Result(int Code, string Output, string Error)
    {
        public override string ToString() => $"exit {Code}\nstdout:\n{Output}\nstderr:\n{Error}";
    }

    public static Result Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = WidescanCli.Run(args, output, error);
        return new Result(code, output.ToString().Replace("\r", "", StringComparison.Ordinal), error.ToString());
    }
}
