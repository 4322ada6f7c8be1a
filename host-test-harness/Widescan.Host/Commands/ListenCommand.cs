using System.CommandLine;
using Serilog;
using Widescan.Contracts;

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
        foreach (Option option in new Option[] { Rendezvous, RendezvousPrefix, RendezvousSlots, RendezvousLifetime, NetworkName })
            Options.Add(option);
        Discovery.AddTo(this);
        SetAction(Run);
    }

    public DiscoveryOptions Discovery { get; } = new();

    public Option<double?> Duration { get; } = new("--duration") { Description = "Seconds to listen (default: until Ctrl+C)", HelpName = "SECONDS" };

    public Option<bool> Rendezvous { get; } = new("--rendezvous")
    {
        Description = "Claim this node's rendezvous address in each /64 of the interface (needs CAP_NET_ADMIN and --network-key-file or --network-name), so rendezvous scans find it with one probe per /64",
    };

    public Option<string[]> RendezvousPrefix { get; } = new("--rendezvous-prefix")
    {
        Description = "Claim in this /64 only (repeatable; default: every /64 of a global address on the interface)",
        HelpName = "P/64",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<int> RendezvousSlots { get; } = new("--rendezvous-slots")
    {
        Description = "Slots per /64: members sharing a /64 take the lowest free one; scanners must use the same count",
        HelpName = "N",
        DefaultValueFactory = _ => new RendezvousOptions().Slots,
    };

    public Option<double> RendezvousLifetime { get; } = new("--rendezvous-lifetime")
    {
        Description = "Seconds a claimed address stays valid, renewed every third of it; a killed listener's address goes after at most this long",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => new RendezvousOptions().Lifetime.TotalSeconds,
    };

    public Option<string?> NetworkName { get; } = new("--network-name")
    {
        Description = "A keyless network's name, in place of --network-key-file for rendezvous addresses; they are then public: anyone who knows the name can compute them",
        HelpName = "NAME",
    };

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
            NetworkName = parseResult.GetValue(NetworkName),
            Rendezvous = BuildRendezvous(parseResult, errors),
        };
        if (options.Rendezvous.Enabled && options.NetworkKey.IsEmpty && options.NetworkName is null && parseResult.GetValue(Discovery.NetworkKeyFile) is null)
        {
            // Said in flags here; the options' own sentence (naming properties) is left out below.
            errors.Add("--rendezvous needs --network-key-file or --network-name: the rendezvous addresses are derived from one of them");
            options = options with { Rendezvous = options.Rendezvous with { Enabled = false } };
        }

        DistinctFiles.Check(errors, [.. Discovery.FileRoles(parseResult)]);
        errors.AddRange(options.Validate().Select(OptionFlags.Translate));
        return errors.Count > 0 ? null : new DiscoveryRequest(options, parseResult.GetValue(Discovery.Output), parseResult.GetValue(Discovery.Format), null);
    }

    private RendezvousOptions BuildRendezvous(ParseResult parseResult, List<string> errors)
    {
        var prefixes = new List<Ipv6Prefix>();
        foreach (var text in parseResult.GetValue(RendezvousPrefix) ?? [])
        {
            if (!Ipv6Prefix.TryParse(text.AsSpan(), out var prefix, out var error))
                errors.Add($"--rendezvous-prefix {Input.Printable.Escape(text)}: {error}");
            else if (prefix.Length == 64)
                prefixes.Add(prefix);
            else
                errors.Add($"--rendezvous-prefix {prefix}: not a /64; a rendezvous address is claimed per /64");
        }

        var rendezvous = new RendezvousOptions
        {
            Enabled = parseResult.GetValue(Rendezvous),
            Prefixes = prefixes,
            Slots = parseResult.GetValue(RendezvousSlots),
            Lifetime = DiscoveryOptions.Seconds(parseResult.GetValue(RendezvousLifetime), "--rendezvous-lifetime", errors, positive: true),
        };
        if (!rendezvous.Enabled && (prefixes.Count > 0 || parseResult.GetResult(RendezvousSlots) is { Implicit: false } || parseResult.GetResult(RendezvousLifetime) is { Implicit: false }))
            errors.Add("--rendezvous-prefix, --rendezvous-slots and --rendezvous-lifetime take effect only with --rendezvous: add it, or leave them out");
        return rendezvous;
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
