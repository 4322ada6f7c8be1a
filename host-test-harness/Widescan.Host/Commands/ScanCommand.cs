using System.CommandLine;
using Serilog;
using Widescan.Contracts;
using Widescan.Host.Output;

namespace Widescan.Host.Commands;

/// <summary>
/// <c>widescan scan</c>: probes the targets of the shared target flags through the discovery module
/// and writes live hosts and peers as results (JSONL or CSV). A subclass of Command, so a parse result
/// leads back to its flags (the tests translate command lines through <see cref="Build"/>).
/// </summary>
internal sealed class ScanCommand : Command, ICollectsErrors
{
    private const string Prefix = "widescan scan";
    private static readonly WidescanOptions Defaults = new();

    private ScanCommand()
        : base("scan", "Probe the targets (prefixes minus exclusions and the blocklist) and report live hosts and Widescan peers, one result per line")
    {
        // The key file is the announce key's (DiscoveryOptions reads and reports it); rendezvous derives from it too.
        Targets = new TargetOptions(Discovery.NetworkKeyFile);
        Targets.AddTo(this);
        foreach (Option option in new Option[] { Source, Broadcaster, Rate, Probes, ProbeInterval, Cooldown, MaxProbes, Dealias, AliasLength, NoRespond, State, DryRun, ProgressCells })
            Options.Add(option);
        Discovery.AddTo(this);
        SetAction(Run);
    }

    public TargetOptions Targets { get; }

    public DiscoveryOptions Discovery { get; } = new();

    public Option<string?> Source { get; } = new("--source") { Description = "The source address of probes (default: the kernel's choice)", HelpName = "ADDR" };

    public Option<string> Broadcaster { get; } = new("--broadcaster")
    {
        Description = "auto: l2 when every prefix routes through one gateway, none on-link, else raw (the default; it logs which and why) | raw: a raw ICMPv6 socket (the kernel routes and resolves neighbours) | l2: whole frames on a packet socket to the gateway's MAC (faster; targets behind one gateway) | a plugin's",
        HelpName = "NAME",
        DefaultValueFactory = _ => Defaults.Broadcaster,
    };

    public Option<int> Rate { get; } = new("--rate")
    {
        Description = "Probes per second",
        HelpName = "PPS",
        DefaultValueFactory = _ => Defaults.Rate,
    };

    public Option<int> Probes { get; } = new("--probes")
    {
        Description = "Probes sent to each target (1-16), --probe-interval apart",
        HelpName = "N",
        DefaultValueFactory = _ => Defaults.ProbesPerTarget,
    };

    public Option<double> ProbeInterval { get; } = new("--probe-interval")
    {
        Description = "Seconds between two probes of one target",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => Defaults.ProbeInterval.TotalSeconds,
    };

    public Option<double> Cooldown { get; } = new("--cooldown")
    {
        Description = "Seconds to keep listening after the last probe",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => Defaults.Cooldown.TotalSeconds,
    };

    public Option<ulong> MaxProbes { get; } = new("--max-probes")
    {
        Description = "A hard cap on probes sent in this run",
        HelpName = "N",
        DefaultValueFactory = _ => Defaults.MaxProbes,
    };

    public Option<string> Dealias { get; } = new("--dealias")
    {
        Description = "on: test the prefix (--alias-length) of each live host for aliasing with 16 keyed random probes, report an aliased prefix once and none of its hosts (the default) | off: no alias probes, every live host reported",
        HelpName = "on|off",
        DefaultValueFactory = _ => Defaults.Dealias ? "on" : "off",
    };

    public Option<int> AliasLength { get; } = new("--alias-length")
    {
        Description = $"The length of the prefixes tested for aliasing ({WidescanOptions.MinAliasLength}-{WidescanOptions.MaxAliasLength})",
        HelpName = "N",
        DefaultValueFactory = _ => Defaults.AliasLength,
    };

    public Option<bool> NoRespond { get; } = new("--no-respond") { Description = "Do not answer other Widescan scanners with an announce" };

    public Option<FileInfo?> State { get; } = new("--state")
    {
        Description = "Save the cursor here as the scan goes; when the file exists, resume the scan it saved (the same target flags; its seed unless --seed is given)",
        HelpName = "FILE",
    };

    public Option<FileInfo?> DryRun { get; } = new("--dryrun")
    {
        Description = "Write the probes to this pcap file (raw IPv6 packets) instead of sending them: paced, capped and resumable as a real scan, with no listener (0 replies) and no CAP_NET_RAW needed",
        HelpName = "FILE",
    };

    public Option<int> ProgressCells { get; } = new("--progress-cells")
    {
        Description = "Cut each include prefix into N cells (a power of 4: 256, 1024, 4096) and write a cells record with each progress report, for a map of the scan (JSONL only); 0: none",
        HelpName = "N",
        DefaultValueFactory = _ => Defaults.ProgressCells,
    };

    /// <summary>The command, for <see cref="WidescanCli.Create"/>.</summary>
    public static ScanCommand Create() => new();

    /// <inheritdoc />
    public void CollectErrors(ParseResult parseResult, List<string> errors) => Build(parseResult, errors);

    /// <summary>The request of a command line, or null with every problem in <paramref name="errors"/>.</summary>
    public DiscoveryRequest? Build(ParseResult parseResult, List<string> errors)
    {
        // A state file to resume holds the seed, so a shard resumed from it needs no --seed.
        var spec = Targets.Build(parseResult, errors, seedSaved: parseResult.GetValue(State) is { Exists: true });
        var options = Discovery.Build(parseResult, errors);

        UInt128? source = null;
        if (parseResult.GetValue(Source) is { } sourceText)
        {
            if (Ipv6Address.TryParse(sourceText, out var address, out var error))
                source = address;
            else
                errors.Add($"--source: {error}");
        }

        var dealias = parseResult.GetValue(Dealias) switch
        {
            "on" => true,
            "off" => false,
            var other => Refused(other),
        };

        bool Refused(string? value)
        {
            errors.Add($"--dealias '{Input.Printable.Escape(value ?? "")}': use on or off");
            return Defaults.Dealias;
        }

        var stateFile = parseResult.GetValue(State);
        var dryRun = parseResult.GetValue(DryRun);
        DistinctFiles.Check(errors,
        [
            new("--state", stateFile, Writes: true),
            new("--dryrun", dryRun, Writes: true),
            .. Discovery.FileRoles(parseResult),
            .. (parseResult.GetValue(Targets.PrefixFile) ?? []).Select(f => new DistinctFiles.Role("--prefix-file", f, Writes: false)),
            .. (parseResult.GetValue(Targets.ExcludeFile) ?? []).Select(f => new DistinctFiles.Role("--exclude-file", f, Writes: false)),
            .. (parseResult.GetValue(Targets.TargetsFile) ?? []).Select(f => new DistinctFiles.Role("--targets-file", f, Writes: false)),
        ]);
        if (dryRun?.Directory is { Exists: false } dryRunDirectory)
            errors.Add($"--dryrun {dryRun.FullName}: the directory {dryRunDirectory.FullName} does not exist");
        ScanState? resumed = null;
        if (stateFile is not null)
        {
            if (parseResult.GetResult(Targets.Start) is not null)
                errors.Add("--start and --state do not go together: a resumed scan starts at the cursor its state file saved");
            if (stateFile.Directory is { Exists: false } directory)
                errors.Add($"--state {stateFile.FullName}: the directory {directory.FullName} does not exist");
            else if (spec is not null && stateFile.Exists)
                (spec, resumed) = ScanResume.Apply(stateFile, spec, seedGiven: parseResult.GetValue(Targets.Seed) is not null, errors);
        }

        options = options with
        {
            Targets = spec,
            Generator = parseResult.GetValue(Targets.Generator)!,
            GpuDevice = parseResult.GetValue(Targets.GpuDevice),
            Broadcaster = parseResult.GetValue(Broadcaster)!,
            SourceAddress = source,
            Rate = parseResult.GetValue(Rate),
            ProbesPerTarget = parseResult.GetValue(Probes),
            ProbeInterval = DiscoveryOptions.Seconds(parseResult.GetValue(ProbeInterval), "--probe-interval", errors),
            Cooldown = DiscoveryOptions.Seconds(parseResult.GetValue(Cooldown), "--cooldown", errors),
            MaxProbes = parseResult.GetValue(MaxProbes),
            Dealias = dealias,
            AliasLength = parseResult.GetValue(AliasLength),
            RespondToPeers = !parseResult.GetValue(NoRespond),
            StatePath = stateFile?.FullName,
            DryRunPath = dryRun?.FullName,
            ProgressCells = parseResult.GetValue(ProgressCells),
        };
        if (options.ProgressCells != 0 && parseResult.GetValue(Discovery.Format) != ResultFormat.Jsonl)
            errors.Add("--progress-cells writes cells records, which only JSONL carries: use --format jsonl, or leave --progress-cells out");

        // Without a spec (its errors are listed already) check the rest as a listen would, so that
        // "no targets" is not added and the other flags' problems still come out in this same run.
        // The options speak in their own names; the one a flag of this command sets is named by its flag.
        errors.AddRange((spec is null ? options with { ListenOnly = true } : options).Validate()
            .Select(e => e.StartsWith(nameof(WidescanOptions.AliasLength) + " ", StringComparison.Ordinal) ? "--alias-length" + e[nameof(WidescanOptions.AliasLength).Length..] : e)
            .Select(OptionFlags.Translate));
        return errors.Count > 0 ? null : new DiscoveryRequest(options, parseResult.GetValue(Discovery.Output), parseResult.GetValue(Discovery.Format), resumed);
    }

    private int Run(ParseResult parseResult)
    {
        Discovery.ApplyQuiet(parseResult);
        var stderr = parseResult.InvocationConfiguration.Error;
        var errors = new List<string>();
        var request = Build(parseResult, errors);
        if (request is null)
        {
            ErrorReport.Write(stderr, Prefix, errors);
            return ExitCodes.Usage;
        }

        if (request.Resumed is { } state)
        {
            if (state.Cursor >= state.Positions)
            {
                stderr.WriteLine($"{Prefix}: the scan saved in {request.Options.StatePath} is complete (cursor {state.Cursor} of {state.Positions}); nothing to send");
                return ExitCodes.Ok;
            }

            Log.Information("Resuming at cursor {Cursor} of {Positions} (saved {SavedAt:u})", state.Cursor, state.Positions, state.SavedAt);
        }

        // The seed and node id are random when not given: logged, so the run can be repeated or resumed.
        var spec = request.Options.Targets!;
        Log.Information("Scanning with seed {Seed}, shard {Shard}, from cursor {Cursor}; node {NodeId}",
            $"0x{spec.Seed:x16}", spec.Shard.ToString(), spec.StartCursor, request.Options.NodeId.ToString());
        return DiscoveryCommand.Run(parseResult, Prefix, request);
    }
}
