using System.Globalization;
using Microsoft.Extensions.Configuration;
using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// Binds a configuration section onto <see cref="WidescanHostOptions"/> by name, key by key, with the
/// contracts' own parsers (prefixes, addresses, node ids, shards, IID patterns): no reflection, so it
/// is trim- and AOT-safe, and nothing is dropped silently: a key that names no option, or a value that
/// does not parse, is an error with its configuration path, and validation lists them all at once.
/// </summary>
internal static class WidescanConfigurationBinder
{
    public static void Bind(IConfiguration section, WidescanHostOptions host)
    {
        var errors = host.BindingErrors;
        var r = new SectionReader(section, errors);
        host.Listen = r.Bool(nameof(WidescanHostOptions.Listen)) ?? host.Listen;
        host.ScanInterval = r.Parse(nameof(WidescanHostOptions.ScanInterval), ParseTimeSpan) ?? host.ScanInterval;
        host.ListenerRestartDelay = r.Parse(nameof(WidescanHostOptions.ListenerRestartDelay), ParseTimeSpan) ?? host.ListenerRestartDelay;
        host.PeerBufferCapacity = r.Int(nameof(WidescanHostOptions.PeerBufferCapacity)) ?? host.PeerBufferCapacity;
        host.NetworkKeyFile = r.String(nameof(WidescanHostOptions.NetworkKeyFile)) ?? host.NetworkKeyFile;
        host.NetworkKeyEnvironmentVariable = r.String(nameof(WidescanHostOptions.NetworkKeyEnvironmentVariable)) ?? host.NetworkKeyEnvironmentVariable;
        host.PluginConsole = r.Bool(nameof(WidescanHostOptions.PluginConsole)) ?? host.PluginConsole;
        host.Discovery = Discovery(r, section, host.Discovery, errors);
        r.ReportUnknown();
    }

    private static WidescanOptions Discovery(SectionReader r, IConfiguration section, WidescanOptions d, List<string> errors)
    {
        d = d with
        {
            Generator = r.String(nameof(WidescanOptions.Generator)) ?? d.Generator,
            Broadcaster = r.String(nameof(WidescanOptions.Broadcaster)) ?? d.Broadcaster,
            Listener = r.String(nameof(WidescanOptions.Listener)) ?? d.Listener,
            GpuDevice = r.String(nameof(WidescanOptions.GpuDevice)) ?? d.GpuDevice,
            Rate = r.Int(nameof(WidescanOptions.Rate)) ?? d.Rate,
            ProbesPerTarget = r.Int(nameof(WidescanOptions.ProbesPerTarget)) ?? d.ProbesPerTarget,
            ProbeInterval = r.Parse(nameof(WidescanOptions.ProbeInterval), ParseTimeSpan) ?? d.ProbeInterval,
            Cooldown = r.Parse(nameof(WidescanOptions.Cooldown), ParseTimeSpan) ?? d.Cooldown,
            MaxProbes = r.Parse(nameof(WidescanOptions.MaxProbes), ParseUInt64) ?? d.MaxProbes,
            Interface = r.String(nameof(WidescanOptions.Interface)) ?? d.Interface,
            SourceAddress = r.Parse(nameof(WidescanOptions.SourceAddress), t => (Ipv6Host?)Ipv6Host.Parse(t)) ?? d.SourceAddress,
            NodeId = r.Parse(nameof(WidescanOptions.NodeId), t => (NodeId?)NodeId.Parse(t)) ?? d.NodeId,
            ServicePort = r.Parse(nameof(WidescanOptions.ServicePort), t => (ushort?)ushort.Parse(t, NumberStyles.None, CultureInfo.InvariantCulture)) ?? d.ServicePort,
            NetworkKey = r.Key(nameof(WidescanOptions.NetworkKey)) ?? d.NetworkKey,
            NextNetworkKey = r.Key(nameof(WidescanOptions.NextNetworkKey)) ?? d.NextNetworkKey,
            NetworkName = r.String(nameof(WidescanOptions.NetworkName)) ?? d.NetworkName,
            ApplicationData = r.Key(nameof(WidescanOptions.ApplicationData)) ?? d.ApplicationData,
            RespondToPeers = r.Bool(nameof(WidescanOptions.RespondToPeers)) ?? d.RespondToPeers,
            ListenOnly = r.Bool(nameof(WidescanOptions.ListenOnly)) ?? d.ListenOnly,
            ListenDuration = r.Parse(nameof(WidescanOptions.ListenDuration), ParseTimeSpan) ?? d.ListenDuration,
            StatePath = r.String(nameof(WidescanOptions.StatePath)) ?? d.StatePath,
            DryRunPath = r.String(nameof(WidescanOptions.DryRunPath)) ?? d.DryRunPath,
            Dealias = r.Bool(nameof(WidescanOptions.Dealias)) ?? d.Dealias,
            AliasLength = r.Int(nameof(WidescanOptions.AliasLength)) ?? d.AliasLength,
            PeerSeenInterval = r.Parse(nameof(WidescanOptions.PeerSeenInterval), ParseTimeSpan) ?? d.PeerSeenInterval,
            PeerExpiry = r.Parse(nameof(WidescanOptions.PeerExpiry), ParseTimeSpan) ?? d.PeerExpiry,
            MaxTrackedPeers = r.Int(nameof(WidescanOptions.MaxTrackedPeers)) ?? d.MaxTrackedPeers,
            ProgressCells = r.Int(nameof(WidescanOptions.ProgressCells)) ?? d.ProgressCells,
        };
        r.CodeOnly(nameof(WidescanOptions.LogSink), nameof(WidescanOptions.MeterFactory), nameof(WidescanOptions.TimeProvider));
        if (r.Section(nameof(WidescanOptions.Targets)) is { } targets)
            d = d with { Targets = Targets(targets, d.Targets ?? new TargetSpec(), errors) };
        if (r.Section(nameof(WidescanOptions.Log)) is { } log)
            d = d with { Log = Log(log, d.Log, errors) };
        if (r.Section(nameof(WidescanOptions.Rendezvous)) is { } rendezvous)
            d = d with { Rendezvous = Rendezvous(rendezvous, d.Rendezvous, errors) };
        return d;
    }

    private static TargetSpec Targets(IConfigurationSection section, TargetSpec t, List<string> errors)
    {
        var r = new SectionReader(section, errors);
        t = t with
        {
            Include = r.List(nameof(TargetSpec.Include), Ipv6Prefix.Parse) ?? t.Include,
            Exclude = r.List(nameof(TargetSpec.Exclude), Ipv6Prefix.Parse) ?? t.Exclude,
            TargetFiles = r.List(nameof(TargetSpec.TargetFiles), s => s) ?? t.TargetFiles,
            TargetFilesFingerprint = r.String(nameof(TargetSpec.TargetFilesFingerprint)) ?? t.TargetFilesFingerprint, // a resumed list's, from its state
            SubnetBits = r.Int(nameof(TargetSpec.SubnetBits)) ?? t.SubnetBits,
            Iid = r.Parse(nameof(TargetSpec.Iid), IidPattern.Parse) ?? t.Iid,
            Seed = r.Parse(nameof(TargetSpec.Seed), ParseUInt64) ?? t.Seed,
            Shard = r.Parse(nameof(TargetSpec.Shard), s => (ShardSpec?)ShardSpec.Parse(s)) ?? t.Shard,
            StartCursor = r.Parse(nameof(TargetSpec.StartCursor), ParseUInt64) ?? t.StartCursor,
            AllowReserved = r.Bool(nameof(TargetSpec.AllowReserved)) ?? t.AllowReserved,
            PrefixWindows = r.List(nameof(TargetSpec.PrefixWindows), PrefixWindow.Parse) ?? t.PrefixWindows, // "2001:db8::/48 window=/56"
        };
        r.ReportUnknown();
        return t;
    }

    private static LogOptions Log(IConfigurationSection section, LogOptions l, List<string> errors)
    {
        var r = new SectionReader(section, errors);
        l = l with
        {
            MinimumLevel = r.Parse(nameof(LogOptions.MinimumLevel), ParseLevel) ?? l.MinimumLevel,
            Console = r.Bool(nameof(LogOptions.Console)) ?? l.Console,
            FilePath = r.String(nameof(LogOptions.FilePath)) ?? l.FilePath,
            StatsInterval = r.Parse(nameof(LogOptions.StatsInterval), ParseTimeSpan) ?? l.StatsInterval,
            StatsLine = r.Bool(nameof(LogOptions.StatsLine)) ?? l.StatsLine,
        };
        r.ReportUnknown();
        return l;
    }

    private static RendezvousOptions Rendezvous(IConfigurationSection section, RendezvousOptions o, List<string> errors)
    {
        var r = new SectionReader(section, errors);
        o = o with
        {
            Enabled = r.Bool(nameof(RendezvousOptions.Enabled)) ?? o.Enabled,
            Prefixes = r.List(nameof(RendezvousOptions.Prefixes), Ipv6Prefix.Parse) ?? o.Prefixes,
            Slots = r.Int(nameof(RendezvousOptions.Slots)) ?? o.Slots,
            Lifetime = r.Parse(nameof(RendezvousOptions.Lifetime), ParseTimeSpan) ?? o.Lifetime,
        };
        r.ReportUnknown();
        return o;
    }

    private static TimeSpan? ParseTimeSpan(string text) => TimeSpan.Parse(text, CultureInfo.InvariantCulture);

    private static ulong? ParseUInt64(string text) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.Parse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
            : ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    private static WidescanLogLevel? ParseLevel(string text) =>
        Enum.TryParse<WidescanLogLevel>(text, ignoreCase: true, out var level) && Enum.IsDefined(level)
            ? level
            : throw new FormatException($"'{text}' is not a level; use one of {string.Join(", ", Enum.GetNames<WidescanLogLevel>())}");

    /// <summary>Reads one section's keys, remembering which it knows, so that the rest can be reported.</summary>
    private sealed class SectionReader(IConfiguration section, List<string> errors)
    {
        private readonly HashSet<string> _known = new(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> _codeOnly = new(StringComparer.OrdinalIgnoreCase);

        public string? String(string key)
        {
            _known.Add(key);
            return section[key];
        }

        public bool? Bool(string key) => Parse(key, t => (bool?)bool.Parse(t));

        public int? Int(string key) => Parse(key, t => (int?)int.Parse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));

        public T? Parse<T>(string key, Func<string, T?> parse)
        {
            var text = String(key);
            if (text is null)
                return default;
            try
            {
                return parse(text.Trim());
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                errors.Add($"{Path(key)}: '{text}' is not a valid {key}: {e.Message}");
                return default;
            }
        }

        public byte[]? Key(string key)
        {
            var text = String(key);
            return text is null ? null : NetworkKeySources.ParseText(text, Path(key), errors);
        }

        public IReadOnlyList<T>? List<T>(string key, Func<string, T> parse)
        {
            _known.Add(key);
            var child = section.GetSection(key);
            if (!child.Exists())
                return null;
            if (child.Value is { } single)
            {
                // One value where a list is expected: take it as a list of one (an environment variable).
                return Items([(child.Path, single)], parse);
            }

            return Items(child.GetChildren().Select(c => (c.Path, c.Value ?? "")), parse);
        }

        private List<T> Items<T>(IEnumerable<(string Path, string Text)> items, Func<string, T> parse)
        {
            var list = new List<T>();
            foreach (var (path, text) in items)
            {
                try
                {
                    list.Add(parse(text.Trim()));
                }
                catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
                {
                    errors.Add($"{path}: {e.Message}");
                }
            }

            return list;
        }

        public IConfigurationSection? Section(string key)
        {
            _known.Add(key);
            var child = section.GetSection(key);
            return child.Exists() ? child : null;
        }

        public void CodeOnly(params string[] keys)
        {
            foreach (var key in keys)
                _codeOnly.Add(key);
        }

        public void ReportUnknown()
        {
            foreach (var child in section.GetChildren())
            {
                if (_codeOnly.Contains(child.Key))
                    errors.Add($"{child.Path}: {child.Key} is set in code, not in configuration");
                else if (!_known.Contains(child.Key))
                    errors.Add($"{child.Path}: no option is named {child.Key}; the options here are {string.Join(", ", _known.Order(StringComparer.Ordinal))}");
            }
        }

        private string Path(string key) => section is IConfigurationSection s ? s.Path + ":" + key : key;
    }
}
