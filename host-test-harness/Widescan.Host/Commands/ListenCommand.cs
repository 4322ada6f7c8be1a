using System.CommandLine;
using Serilog;

namespace Widescan.Host.Commands;

/// <summary>
/// <c>widescan listen</c>: sends no probes; answers other Widescan scanners and reports the peers it
/// hears, until --duration ends or Ctrl+C.
/// </summary>
internal sealed class ListenCommand : Command, ICollectsErrors
{
    private const string Prefix = "widescan listen";

    private ListenCommand()
        : base("listen", "Listen without scanning: answer other Widescan scanners and report the peers heard, until --duration ends or Ctrl+C")
    {
        Options.Add(Duration);
        Discovery.AddTo(this);
        SetAction(Run);
    }

    public DiscoveryOptions Discovery { get; } = new();

    public Option<double?> Duration { get; } = new("--duration") { Description = "Seconds to listen (default: until Ctrl+C)", HelpName = "SECONDS" };

    /// <summary>The command, for <see cref="WidescanCli.Create"/>.</summary>
    public static ListenCommand Create() => new();

    /// <inheritdoc />
    public void CollectErrors(ParseResult parseResult, List<string> errors) => Build(parseResult, errors);

    /// <summary>The request of a command line, or null with every problem in <paramref name="errors"/>.</summary>
    public DiscoveryRequest? Build(ParseResult parseResult, List<string> errors)
    {
        var options = Discovery.Build(parseResult, errors) with
        {
            ListenOnly = true,
            Targets = null,
            ListenDuration = parseResult.GetValue(Duration) is { } seconds ? DiscoveryOptions.Seconds(seconds, "--duration", errors) : null,
        };
        DistinctFiles.Check(errors, [.. Discovery.FileRoles(parseResult)]);
        errors.AddRange(options.Validate());
        return errors.Count > 0 ? null : new DiscoveryRequest(options, parseResult.GetValue(Discovery.Output), parseResult.GetValue(Discovery.Format), null);
    }

    private int Run(ParseResult parseResult)
    {
        Discovery.ApplyQuiet(parseResult);
        var errors = new List<string>();
        var request = Build(parseResult, errors);
        if (request is null)
        {
            ErrorReport.Write(parseResult.InvocationConfiguration.Error, Prefix, errors);
            return ExitCodes.Usage;
        }

        Log.Information("Listening as node {NodeId}", request.Options.NodeId.ToString());
        return DiscoveryCommand.Run(parseResult, Prefix, request);
    }
}
