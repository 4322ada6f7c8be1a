using Widescan.Contracts;
using Widescan.Host;
using Widescan.Host.Commands;

namespace Widescan.Tests.Discovery;

/// <summary>
/// A command line through WidescanCli's own parser into what its command builds, with the errors it
/// collected; the parser itself must accept the line (its errors fail the test).
/// </summary>
internal static class CliParse
{
    public static (DiscoveryRequest? Request, List<string> Errors) Scan(params string[] args)
    {
        var (command, parse) = Parse<ScanCommand>("scan", args);
        var errors = new List<string>();
        return (command.Build(parse, errors), errors);
    }

    public static (TargetSpec? Spec, List<string> Errors) Generate(params string[] args)
    {
        var (command, parse) = Parse<GenerateCommand>("generate", args);
        var errors = new List<string>();
        return (command.Build(parse, errors), errors);
    }

    private static (T Command, System.CommandLine.ParseResult Parse) Parse<T>(string name, string[] args)
        where T : System.CommandLine.Command
    {
        var parse = WidescanCli.Create().Parse([name, .. args]);
        Assert.That(parse.Errors, Is.Empty, string.Join("\n", parse.Errors.Select(e => e.Message)));
        return ((T)parse.CommandResult.Command, parse);
    }
}
