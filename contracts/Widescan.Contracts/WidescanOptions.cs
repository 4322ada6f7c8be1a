using System.Numerics;

namespace Widescan.Contracts;

/// <summary>
/// Everything a host configures, in code: the plugin reads no configuration file. Validate once with
/// <see cref="Validate"/>; every problem is reported at once.
/// </summary>
public sealed record WidescanOptions
{
    /// <summary>The most application data an announce carries.</summary>
    public const int MaxApplicationData = 24;

    /// <summary>What to scan; null with <see cref="ListenOnly"/>.</summary>
    public TargetSpec? Targets { get; init; }

    /// <summary>The generator's name: "auto" (a real GPU when one serves, else "cpu"), "cpu", "gpu" or a plugin's.</summary>
    public string Generator { get; init; } = "auto";

    /// <summary>
    /// The broadcaster's name: "auto" (the default: "l2" when every include prefix routes through one
    /// gateway on one interface, none on-link, and that gateway's MAC is known or answers a Neighbor
    /// Solicitation within a second; else "raw"; it logs which and why), "raw" (a raw ICMPv6 socket: the
    /// kernel routes, resolves neighbours and computes checksums), "l2" (whole frames on a packet socket
    /// to the gateway's MAC: faster, for targets behind one gateway; refused otherwise), or a plugin's.
    /// </summary>
    public string Broadcaster { get; init; } = "auto";

    /// <summary>
    /// The listener's name: "raw" (the default: a raw ICMPv6 socket the kernel filters to the probe's
    /// types, read in batches with kernel timestamps into a queue as large as the kernel allows, whose
    /// fill paces the sender; it hears what is addressed to this node), "capture" (libpcap on the
    /// scan's interface, which also sees packets in transit; the raw socket when libpcap or the
    /// interface is missing), or a plugin's.
    /// </summary>
    public string Listener { get; init; } = "raw";

    /// <summary>Which GPU the "gpu" generator uses (an index or name); "emulator" runs its kernel on ILGPU's CPU accelerator.</summary>
    public string? GpuDevice { get; init; }

    /// <summary>
    /// Probes per second at most: a ceiling, never a promise to lose answers. When the listener falls
    /// behind, the run sends slower (halving, then climbing back towards this), logs it once, and
    /// counts it in <see cref="DiscoverySummary.RateReductions"/>. Conservative by default.
    /// </summary>
    public int Rate { get; init; } = 1_000;

    /// <summary>Probes sent to each target, spaced by <see cref="ProbeInterval"/>.</summary>
    public int ProbesPerTarget { get; init; } = 1;

    /// <summary>The least time between two probes of one target.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to keep listening after the last probe.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A hard cap on probes sent in one run, whatever the targets.</summary>
    public ulong MaxProbes { get; init; } = 10_000_000;

    /// <summary>The interface to send and capture on; null picks the one routing to the first target.</summary>
    public string? Interface { get; init; }

    /// <summary>The source address of probes ("2001:db8::1" in configuration); null lets the kernel choose.</summary>
    public Ipv6Host? SourceAddress { get; init; }

    /// <summary>
    /// This node's identity, carried in every probe and announce (32 hex digits in configuration); a
    /// new random one unless given, so a node that must keep its identity across restarts sets it.
    /// </summary>
    public NodeId NodeId { get; init; } = NodeId.NewRandom();

    /// <summary>The service port this node announces (its P2P port).</summary>
    public ushort ServicePort { get; init; }

    /// <summary>
    /// A shared network key: announces then carry an HMAC tag, and only authenticated, fresh announces
    /// count as peers. Empty: peers are accepted and marked unauthenticated. In configuration: hex or
    /// base64 text (see <see cref="ByteString.Parse"/>).
    /// </summary>
    public ByteString NetworkKey { get; init; }

    /// <summary>
    /// The network's next key during a key rollover: a listener verifies probes under
    /// <see cref="NetworkKey"/> and this one, answers each under the key it came with, and claims
    /// rendezvous addresses under both, so a key change does not partition the network (docs/rendezvous.md). Needs
    /// <see cref="NetworkKey"/>; at least 16 bytes, and not the same key. Empty: none.
    /// </summary>
    public ByteString NextNetworkKey { get; init; }

    /// <summary>
    /// A keyless network's name: its rendezvous addresses derive from the name's UTF-8 bytes in place
    /// of a key, so anyone who knows the name can compute them (they are public). Null: none.
    /// </summary>
    public string? NetworkName { get; init; }

    /// <summary>Claiming rendezvous addresses while listening (off by default).</summary>
    public RendezvousOptions Rendezvous { get; init; } = new();

    /// <summary>Short application data carried in announces (at most 24 bytes; hex or base64 text in configuration).</summary>
    public ByteString ApplicationData { get; init; }

    /// <summary>Answer other Widescan scanners with an announce.</summary>
    public bool RespondToPeers { get; init; } = true;

    /// <summary>Listen and respond without scanning.</summary>
    public bool ListenOnly { get; init; }

    /// <summary>How long to listen when <see cref="ListenOnly"/>; null until cancelled.</summary>
    public TimeSpan? ListenDuration { get; init; }

    /// <summary>Where to save the cursor (and the spec) for a later resume; null saves nothing.</summary>
    public string? StatePath { get; init; }

    /// <summary>
    /// A dry run (zmap's): the scan writes every probe to this pcap file (LINKTYPE_RAW, each record
    /// the IPv6 packet it would send, its checksum computed) instead of sending it, paced, capped,
    /// checkpointed and resumable exactly as a real run. Nothing is sent and nothing listens (the run
    /// reports 0 replies and no cooldown is waited), so CAP_NET_RAW is not needed; <see cref="Broadcaster"/>
    /// is not used. The source is <see cref="SourceAddress"/>, else the kernel's preferred source
    /// towards the first target. The file is written under a temporary name beside it and renamed
    /// into place when the sending ends, so a run that fails, or never sends, leaves the path as it
    /// was. Null (the default) sends for real.
    /// </summary>
    public string? DryRunPath { get; init; }

    /// <summary>The shortest <see cref="AliasLength"/> accepted: a wider prefix is an operator's whole allocation, not one aliased network.</summary>
    public const int MinAliasLength = 32;

    /// <summary>The longest <see cref="AliasLength"/> accepted: its 16 sub-prefixes must each hold more than one address.</summary>
    public const int MaxAliasLength = 120;

    /// <summary>
    /// Aliased-prefix detection (docs/architecture.md, "Aliased prefixes"): when a /<see cref="AliasLength"/>
    /// prefix yields its first live host, the run probes 16 keyed pseudo-random addresses of it, one per
    /// sub-prefix one nibble longer (the IPv6 Hitlist's method); when at least half of them answer, the
    /// prefix is aliased (one address space answering everything, a CDN or a firewall), reported once as
    /// <see cref="PrefixAliased"/>, and no <see cref="HostAlive"/> inside it is reported (counted in
    /// <see cref="DiscoverySummary.AliasedHosts"/>). Live hosts of a prefix under test are held until its
    /// verdict. False: no alias probes at all, and every live host is reported as it answers.
    /// </summary>
    public bool Dealias { get; init; } = true;

    /// <summary>
    /// The length of the prefixes tested for aliasing (<see cref="Dealias"/>), <see cref="MinAliasLength"/>
    /// to <see cref="MaxAliasLength"/>; 64 (a subnet) by default. Alias probes go anywhere inside the
    /// /AliasLength prefix of a live host, also outside the include prefixes when they are longer, but
    /// never to an excluded or blocklisted address.
    /// </summary>
    public int AliasLength { get; init; } = 64;

    /// <summary>The most cells <see cref="ProgressCells"/> may make over all include prefixes together.</summary>
    public const int MaxProgressCellsTotal = 65_536;

    /// <summary>
    /// The least time between two <see cref="PeerSeen"/> events of one peer: 60 s by default. Zero reports
    /// every sighting the listener hands on (at most one per peer per second). Not negative.
    /// </summary>
    public TimeSpan PeerSeenInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a peer may go unheard before <see cref="PeerExpired"/> reports it gone (10 minutes by
    /// default); a later sighting reports it as a new <see cref="PeerDiscovered"/>. Longer than
    /// <see cref="PeerSeenInterval"/> and at least 2 s (the listener hands on one sighting per peer per
    /// second), so a peer heard steadily never expires.
    /// </summary>
    public TimeSpan PeerExpiry { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The most peers the run's peer table tracks for <see cref="PeerSeen"/> and <see cref="PeerExpired"/>
    /// (65,536 by default; about 100 bytes each). A peer found while it is full is still reported, but not
    /// tracked: counted in <see cref="DiscoverySummary.PeersUntracked"/>, with a warning once per run; a
    /// peer on proven evidence (it answered our probe, or carried the network key's MAC) takes the place of
    /// the oldest unauthenticated, unsolicited one. It also bounds the unauthenticated, unsolicited peers
    /// (forgeable by anyone without a network key) the listener remembers in a run: past it new ones are
    /// refused, counted in <see cref="DiscoverySummary.UnsolicitedRefused"/>.
    /// </summary>
    public int MaxTrackedPeers { get; init; } = 65_536;

    /// <summary>
    /// Cells per include prefix for <see cref="CellProgress"/>, a map of the scan: 0 (the default) reports
    /// none; else a power of 4 from 4 to 65,536 (256 cuts a /112 into /120s, 4,096 a /32 into /44s). A
    /// prefix too long for that many (a /124 holds 16 addresses) gets the largest power of 4 it holds,
    /// down to one cell for a /127 or /128. At most <see cref="MaxProgressCellsTotal"/> cells over all
    /// merged include prefixes. A scan of address lists (<see cref="TargetSpec.TargetFiles"/>) has no
    /// prefixes to cut and refuses it; a <see cref="ListenOnly"/> run has no target space and reports no cells.
    /// </summary>
    public int ProgressCells { get; init; }

    /// <summary>Logging of the plugin (Serilog, plain text).</summary>
    public LogOptions Log { get; init; } = new();

    /// <summary>
    /// Also hands every log event of the run (at or above <see cref="LogOptions.MinimumLevel"/>) to this
    /// sink, whatever <see cref="LogOptions.Console"/> and <see cref="LogOptions.FilePath"/> say: how a
    /// host sees the plugin's logs in its own (Widescan.Hosting forwards them to ILogger). Set in code,
    /// never bound from configuration. Null: none.
    /// </summary>
    public IWidescanLogSink? LogSink { get; init; }

    /// <summary>
    /// The factory of the <see cref="WidescanMetrics.MeterName"/> meter the run counts on (a host's
    /// dependency injection has one). Null: one process-wide meter. Either way the instruments are
    /// created once and sum every run, so their series survive runs. Set in code, never bound from
    /// configuration.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// The clock of the run: every timestamp of its events, state and summary, and every wait the run
    /// decides (<see cref="Cooldown"/>, <see cref="ListenDuration"/>, the grace of a live host, alias
    /// verdicts, checkpoints, the drain after a cancel, the sender's rate and rounds) is measured on it,
    /// so a host or a test can inject its own (a fake clock ends an hour's listen when it is advanced
    /// an hour). The system clock by default. Code only: configuration does not set it. What the kernel
    /// times (socket receive timeouts, kernel receive timestamps, a Neighbor Solicitation's answer, DAD,
    /// address lifetimes) stays on the system clock, and so do the short polls between decisions.
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Every problem with the options, each a sentence that names the fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!ListenOnly)
        {
            if (Targets is null)
                errors.Add("no targets: set Targets, or ListenOnly to listen without scanning");
            else
                errors.AddRange(Targets.Validate());
        }

        if (string.IsNullOrWhiteSpace(Generator))
            errors.Add("generator name is empty: use auto, cpu, gpu or a plugin's generator name");
        if (string.IsNullOrWhiteSpace(Broadcaster))
            errors.Add("broadcaster name is empty: use auto, raw, l2 or a plugin's broadcaster name");
        if (string.IsNullOrWhiteSpace(Listener))
            errors.Add("listener name is empty: use raw, capture or a plugin's listener name");
        if (Rate < 1)
            errors.Add($"rate {Rate} must be at least 1 probe per second");
        if (ProbesPerTarget is < 1 or > 16)
            errors.Add($"probes per target {ProbesPerTarget} out of range (1-16)");
        if (ProbeInterval < TimeSpan.Zero)
            errors.Add("probe interval must not be negative");
        if (Cooldown < TimeSpan.Zero)
            errors.Add("cooldown must not be negative");
        if (MaxProbes == 0)
            errors.Add("max probes must be at least 1");
        if (AliasLength is < MinAliasLength or > MaxAliasLength)
            errors.Add($"AliasLength {AliasLength} out of range ({MinAliasLength}-{MaxAliasLength}): the length of the prefixes tested for aliasing, 64 for subnets");
        if (ApplicationData.Length > MaxApplicationData)
            errors.Add($"application data is {ApplicationData.Length} bytes; at most {MaxApplicationData} fit an announce");
        if (!NetworkKey.IsEmpty && NetworkKey.Length < 16)
            errors.Add($"network key is {NetworkKey.Length} bytes; use at least 16 random bytes");
        if (!NextNetworkKey.IsEmpty && NextNetworkKey.Length < 16)
            errors.Add($"next network key is {NextNetworkKey.Length} bytes; use at least 16 random bytes");
        if (!NextNetworkKey.IsEmpty && NextNetworkKey.Span.SequenceEqual(NetworkKey.Span))
            errors.Add("NextNetworkKey is the same key as NetworkKey: give the new key, or leave NextNetworkKey empty");
        if (!NextNetworkKey.IsEmpty && NetworkKey.IsEmpty)
            errors.Add("NextNetworkKey is set without NetworkKey: a rollover goes from a current key to a next one; set NetworkKey too");
        if (NetworkName is { } name && string.IsNullOrWhiteSpace(name))
            errors.Add("NetworkName is empty: give the network's name, or null for none");
        if (Rendezvous is null)
            errors.Add("Rendezvous is null: leave it at its default (disabled) or set a RendezvousOptions");
        else
            errors.AddRange(Rendezvous.Validate(this));
        if (TimeProvider is null)
            errors.Add("TimeProvider is null: leave it at its default (TimeProvider.System) or give the clock the run should use");
        if (ListenDuration is { } d && d <= TimeSpan.Zero)
            errors.Add("listen duration must be positive");
        if (DryRunPath is { } dryRun)
            errors.AddRange(DryRunProblems(dryRun));
        errors.AddRange(PeerTableProblems());
        errors.AddRange(ProgressCellsProblems());
        return errors;
    }

    private IEnumerable<string> PeerTableProblems()
    {
        if (PeerSeenInterval < TimeSpan.Zero)
            yield return $"PeerSeenInterval {Seconds(PeerSeenInterval)} is negative: give the least time between two PeerSeen events of a peer (0 reports every sighting)";
        if (PeerExpiry < TimeSpan.FromSeconds(2) || PeerExpiry <= PeerSeenInterval)
            yield return $"PeerExpiry {Seconds(PeerExpiry)} must be at least 2 s and longer than PeerSeenInterval ({Seconds(PeerSeenInterval)}), or a peer heard steadily would expire";
        if (MaxTrackedPeers < 1)
            yield return $"MaxTrackedPeers {MaxTrackedPeers} must be at least 1 (peers past it are reported but not tracked)";
    }

    private static string Seconds(TimeSpan time) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.###} s");

    private IEnumerable<string> ProgressCellsProblems()
    {
        if (ProgressCells == 0)
            yield break;
        if (ProgressCells is < 4 or > 65_536 || !int.IsPow2(ProgressCells) || (BitOperations.Log2((uint)ProgressCells) & 1) != 0)
        {
            yield return $"ProgressCells {ProgressCells} must be 0 (no cell map) or a power of 4 from 4 to 65536 (256, 1024, 4096, ...)";
            yield break;
        }

        if (ListenOnly || Targets is null)
            yield break;
        if (Targets.HasTargetFiles)
        {
            yield return "ProgressCells cuts include prefixes into cells, and TargetFiles lists addresses: leave ProgressCells at 0";
            yield break;
        }

        long total = 0;
        var includes = Targets.MergedIncludes();
        foreach (var prefix in includes)
            total += CellsOf(prefix, ProgressCells);
        if (total > MaxProgressCellsTotal)
            yield return $"ProgressCells {ProgressCells} over {includes.Count} include prefixes makes {total} cells; at most {MaxProgressCellsTotal} are allowed: lower ProgressCells";
    }

    /// <summary>
    /// How many cells <see cref="ProgressCells"/> (<paramref name="cells"/>) makes of one include prefix:
    /// that many, or the largest power of 4 the prefix holds when it is too long for them.
    /// </summary>
    public static int CellsOf(Ipv6Prefix prefix, int cells)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cells, 1);
        var bits = BitOperations.Log2((uint)cells);
        var room = (128 - prefix.Length) & ~1; // whole base-4 digits: a square grid
        return 1 << Math.Min(bits, room);
    }

    private IEnumerable<string> DryRunProblems(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            yield return "DryRunPath is empty: give the file the probes are written to, or null to send them";
            yield break;
        }

        if (ListenOnly)
            yield return "DryRunPath writes a scan's probes to a file, and a ListenOnly run sends none: set one or the other";
        var full = Path.GetFullPath(path);
        foreach (var (name, other) in new[] { (nameof(StatePath), StatePath), ("Log.FilePath", Log.FilePath) })
        {
            if (other is not null && !string.IsNullOrWhiteSpace(other) && Path.GetFullPath(other) == full)
                yield return $"DryRunPath and {name} name the same file, {full}: writing one would destroy the other; give each its own file";
        }
    }

    /// <summary>Throws when <see cref="Validate"/> finds anything, listing every problem at once.</summary>
    /// <exception cref="WidescanOptionsException">The options are invalid.</exception>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new WidescanOptionsException(errors);
    }
}

/// <summary>The plugin's logging: Serilog, plain text, to the console and optionally a file.</summary>
public sealed record LogOptions
{
    /// <summary>The least level written.</summary>
    public WidescanLogLevel MinimumLevel { get; init; } = WidescanLogLevel.Information;

    /// <summary>Write to standard error.</summary>
    public bool Console { get; init; } = true;

    /// <summary>Also write to this file; null writes no file.</summary>
    public string? FilePath { get; init; }

    /// <summary>How often the one periodic statistics line is written (and progress is reported).</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Write the periodic statistics line. A host that shows its own live status from the progress
    /// events (a terminal's status line) turns it off, so the two do not write over each other.
    /// </summary>
    public bool StatsLine { get; init; } = true;
}

/// <summary>
/// The plugin's log levels, as Serilog names them. Not called LogLevel, so that a host using
/// Microsoft.Extensions.Logging (whose LogLevel orders its members differently) never takes one for the other.
/// </summary>
public enum WidescanLogLevel
{
    /// <summary>Everything.</summary>
    Verbose,

    /// <summary>Diagnostics.</summary>
    Debug,

    /// <summary>Normal operation.</summary>
    Information,

    /// <summary>Something to look at.</summary>
    Warning,

    /// <summary>Something failed.</summary>
    Error,
}

/// <summary><see cref="WidescanOptions"/> failed validation; <see cref="Errors"/> lists every problem.</summary>
public sealed class WidescanOptionsException : ArgumentException
{
    /// <summary>Creates the exception from the list of problems.</summary>
    public WidescanOptionsException(IReadOnlyList<string> errors)
        : base("invalid Widescan options: " + string.Join("; ", errors)) => Errors = errors;

    /// <summary>Every problem found, one sentence each.</summary>
    public IReadOnlyList<string> Errors { get; }
}
