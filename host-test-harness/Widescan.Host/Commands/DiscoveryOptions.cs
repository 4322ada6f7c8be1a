using System.CommandLine;
using System.Text;
using Serilog.Events;
using Widescan.Contracts;
using Widescan.Host.Output;

namespace Widescan.Host.Commands;

/// <summary>
/// The flags <c>scan</c> and <c>listen</c> share (interface, identity, key, output, logging) and their
/// translation into <see cref="WidescanOptions"/>. Every problem is collected, so one run reports all.
/// </summary>
internal sealed class DiscoveryOptions
{
    // The contracts' defaults, shown in --help and used when a flag is absent: one source of truth.
    private static readonly WidescanOptions Defaults = new();

    public Option<string?> Interface { get; } = new("--interface")
    {
        Description = "The network interface to send and capture on (default: the one routing to the first target)",
        HelpName = "NAME",
    };

    public Option<string> Listener { get; } = new("--listener")
    {
        Description = "raw: a raw ICMPv6 socket, read in batches with kernel timestamps; its queue paces the sender (the default) | capture: libpcap on the interface, which also sees probes in transit | a plugin's",
        HelpName = "NAME",
        DefaultValueFactory = _ => Defaults.Listener,
    };

    public Option<ushort> Port { get; } = new("--port") { Description = "The service port this node announces (its P2P port)", HelpName = "N" };

    public Option<string?> NodeId { get; } = new("--node-id") { Description = "This node's identity, 32 hex digits (default: random, logged)", HelpName = "HEX32" };

    public Option<FileInfo?> NetworkKeyFile { get; } = new("--network-key-file")
    {
        Description = "The shared network key: 32+ hex digits (a second line: the next key of a rollover), or at least 16 raw bytes. Announces are then authenticated",
        HelpName = "FILE",
    };

    public Option<string?> AppData { get; } = new("--app-data")
    {
        Description = $"Application data carried in announces (UTF-8, at most {WidescanOptions.MaxApplicationData} bytes)",
        HelpName = "TEXT",
    };

    public Option<FileInfo?> Output { get; } = new("--output") { Description = "Write results here instead of stdout", HelpName = "FILE" };

    public Option<ResultFormat> Format { get; } = new("--format")
    {
        Description = "jsonl: one JSON object per line; csv: a header line, then one line per result",
        DefaultValueFactory = _ => ResultFormat.Jsonl,
    };

    public Option<FileInfo?> LogFile { get; } = new("--log-file") { Description = "The plugin also logs to this file", HelpName = "FILE" };

    public Option<double> StatsInterval { get; } = new("--stats-interval")
    {
        Description = "Seconds between the plugin's periodic statistics lines",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => Defaults.Log.StatsInterval.TotalSeconds,
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Log warnings and errors only" };

    public Option<double> PeerSeenInterval { get; } = new("--peer-seen-interval")
    {
        Description = "Seconds between two peer-seen records of one peer (0: every sighting, at most one a second)",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => Defaults.PeerSeenInterval.TotalSeconds,
    };

    public Option<double> PeerExpiry { get; } = new("--peer-expiry")
    {
        Description = "Seconds a peer may go unheard before a peer-expired record; heard later, it is a new peer record",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => Defaults.PeerExpiry.TotalSeconds,
    };

    /// <summary>Adds every shared flag to a command.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Interface, Listener, Port, NodeId, NetworkKeyFile, AppData, Output, Format, LogFile, StatsInterval, Quiet, PeerSeenInterval, PeerExpiry })
            command.Options.Add(option);
    }

    /// <summary>
    /// The options the shared flags set, the rest at their defaults. Problems go to
    /// <paramref name="errors"/>; a flag in error keeps its default, so Validate does not report it twice.
    /// </summary>
    public WidescanOptions Build(ParseResult parseResult, List<string> errors)
    {
        var options = Defaults with
        {
            NodeId = Contracts.NodeId.NewRandom(),
            Interface = parseResult.GetValue(Interface),
            Listener = parseResult.GetValue(Listener)!,
            ServicePort = parseResult.GetValue(Port),
            Log = new LogOptions
            {
                MinimumLevel = parseResult.GetValue(Quiet) ? WidescanLogLevel.Warning : WidescanLogLevel.Information,
                FilePath = parseResult.GetValue(LogFile)?.FullName,
                StatsInterval = Seconds(parseResult.GetValue(StatsInterval), "--stats-interval", errors, positive: true),
            },
            PeerSeenInterval = Seconds(parseResult.GetValue(PeerSeenInterval), "--peer-seen-interval", errors),
            PeerExpiry = Seconds(parseResult.GetValue(PeerExpiry), "--peer-expiry", errors),
        };

        if (options.Interface is { } name && InterfaceNameProblem(name) is { } problem)
        {
            errors.Add($"--interface: {problem}");
            options = options with { Interface = null };
        }

        if (parseResult.GetValue(NodeId) is { } nodeText)
        {
            try
            {
                options = options with { NodeId = Contracts.NodeId.Parse(nodeText) };
            }
            catch (FormatException e)
            {
                errors.Add($"--node-id: {e.Message}");
            }
        }

        if (parseResult.GetValue(NetworkKeyFile) is { } keyFile && Commands.NetworkKeyFile.ReadKeys(keyFile, errors) is { } keys)
            options = options with { NetworkKey = keys.Current, NextNetworkKey = keys.Next };

        if (parseResult.GetValue(AppData) is { } appText)
        {
            var bytes = Encoding.UTF8.GetBytes(appText);
            if (bytes.Length <= WidescanOptions.MaxApplicationData)
                options = options with { ApplicationData = bytes };
            else
                errors.Add($"--app-data is {bytes.Length} bytes of UTF-8; at most {WidescanOptions.MaxApplicationData} fit an announce");
        }

        return options;
    }

    /// <summary>The files these flags name, for <see cref="DistinctFiles.Check"/>: the output and the log are written, the key read.</summary>
    public IEnumerable<DistinctFiles.Role> FileRoles(ParseResult parseResult) =>
    [
        new("--output", parseResult.GetValue(Output), Writes: true),
        new("--log-file", parseResult.GetValue(LogFile), Writes: true),
        new("--network-key-file", parseResult.GetValue(NetworkKeyFile), Writes: false),
    ];

    /// <summary>Raises the harness's own log level for --quiet; the plugin's follows <see cref="LogOptions.MinimumLevel"/>.</summary>
    public void ApplyQuiet(ParseResult parseResult)
    {
        if (parseResult.GetValue(Quiet))
            HostLog.Level.MinimumLevel = LogEventLevel.Warning;
    }

    /// <summary>
    /// Why a name cannot be a Linux interface name (at most 15 bytes, no '/', whitespace or control
    /// character: dev_valid_name), or null. Checked here so the plugin's messages never quote a hostile one.
    /// </summary>
    public static string? InterfaceNameProblem(string name)
    {
        if (name.Length == 0 || name is "." or "..")
            return $"'{name}' is not an interface name";
        if (Encoding.UTF8.GetByteCount(name) > 15)
            return $"'{name}' is longer than 15 bytes, the longest interface name Linux allows";
        if (name.Any(c => c == '/' || c == ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
            return $"'{name}' holds a '/', ':', space or control character, which no interface name does";
        return null;
    }

    /// <summary>
    /// A flag's seconds as a TimeSpan. NaN, infinity and values past TimeSpan's range are errors here
    /// (TimeSpan would throw); a negative value is left to Validate, which names the rule.
    /// </summary>
    public static TimeSpan Seconds(double seconds, string flag, List<string> errors, bool positive = false)
    {
        if (!double.IsFinite(seconds) || Math.Abs(seconds) > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            errors.Add($"{flag} {seconds} is not a usable number of seconds");
            return TimeSpan.Zero;
        }

        if (positive && seconds <= 0)
            errors.Add($"{flag} must be more than 0 seconds");
        return TimeSpan.FromSeconds(seconds);
    }
}
