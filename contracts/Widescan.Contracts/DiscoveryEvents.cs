namespace Widescan.Contracts;

/// <summary>Something a discovery run observed or reports.</summary>
/// <param name="Time">When it happened.</param>
public abstract record DiscoveryEvent(DateTimeOffset Time);

/// <summary>A host answered our probe with the kernel's echo reply: it is alive, not a Widescan peer.</summary>
/// <param name="Time">When the reply arrived.</param>
/// <param name="Address">The host.</param>
/// <param name="RoundTrip">From the probe's send time (carried in its payload) to the reply.</param>
public sealed record HostAlive(DateTimeOffset Time, UInt128 Address, TimeSpan RoundTrip) : DiscoveryEvent(Time);

/// <summary>
/// A router (or the target's own stack) answered our probe with an ICMPv6 error that quotes it:
/// Destination Unreachable (type 1, every code), Packet Too Big (2), Time Exceeded (3) or Parameter
/// Problem (4). The quoted probe's validation tag is checked statelessly, so the error answers one of
/// this run's probes; reported once per target, and the target is then never reported alive.
/// </summary>
/// <remarks>
/// Routers rate-limit ICMPv6 errors (RFC 4443 section 2.4 (f)), so a count of these is a lower bound:
/// a target that produced no error may still be unreachable.
/// </remarks>
/// <param name="Time">When the error arrived.</param>
/// <param name="Address">The target: the destination of the quoted probe.</param>
/// <param name="Router">Who sent the error: the packet's source (a router on the path, or the target itself).</param>
/// <param name="IcmpType">The ICMPv6 type: 1 Destination Unreachable, 2 Packet Too Big, 3 Time Exceeded, 4 Parameter Problem.</param>
/// <param name="Code">The ICMPv6 code as sent (for type 1: 0 no route, 1 administratively prohibited, 3 address unreachable, ...).</param>
public sealed record TargetUnreachable(DateTimeOffset Time, UInt128 Address, UInt128 Router, byte IcmpType, byte Code) : DiscoveryEvent(Time);

/// <summary>
/// A prefix answers addresses that no host holds (aliased): at least half of the keyed pseudo-random
/// addresses probed in it, one per sub-prefix one nibble longer, answered
/// (<see cref="WidescanOptions.Dealias"/>). Reported once per prefix; with dealiasing on, no
/// <see cref="HostAlive"/> inside it is reported. The probes' replies are this evidence, never results.
/// </summary>
/// <param name="Time">When the verdict was reached.</param>
/// <param name="Prefix">The aliased prefix, /<see cref="WidescanOptions.AliasLength"/>.</param>
/// <param name="Probed">Distinct alias addresses probed (16 unless exclusions or the blocklist left fewer).</param>
/// <param name="Answered">How many of them answered.</param>
/// <param name="Trigger">The live host whose reply started the test.</param>
public sealed record PrefixAliased(DateTimeOffset Time, Ipv6Prefix Prefix, int Probed, int Answered, UInt128 Trigger) : DiscoveryEvent(Time);

/// <summary>How a peer came to be known.</summary>
public enum PeerDiscoveryMethod
{
    /// <summary>It answered one of our probes with its announce.</summary>
    AnsweredProbe,

    /// <summary>It probed us (another Widescan scanning); we answered it.</summary>
    ProbedUs,

    /// <summary>It sent an announce on its own.</summary>
    Announced,
}

/// <summary>Another Widescan node, with what its announce said.</summary>
/// <param name="Time">When it was seen.</param>
/// <param name="Address">The node's address.</param>
/// <param name="NodeId">Its identity.</param>
/// <param name="Port">The service port it announced.</param>
/// <param name="How">How it was found.</param>
/// <param name="Authenticated">Whether its announce carried a valid tag of the shared network key.</param>
/// <param name="ApplicationData">The short application data of its announce (at most 24 bytes).</param>
/// <param name="RoundTrip">The round trip when it answered our probe; otherwise null.</param>
public sealed record PeerDiscovered(
    DateTimeOffset Time,
    UInt128 Address,
    NodeId NodeId,
    ushort Port,
    PeerDiscoveryMethod How,
    bool Authenticated,
    ReadOnlyMemory<byte> ApplicationData,
    TimeSpan? RoundTrip) : DiscoveryEvent(Time);

/// <summary>
/// A peer already reported (<see cref="PeerDiscovered"/>) was heard again: its announce, its answer to
/// our probe, or its probe of us. Throttled: at most one per peer per
/// <see cref="WidescanOptions.PeerSeenInterval"/>, the first as soon as a sighting comes after the
/// interval, and a sighting inside the interval is reported by the first progress tick past it; so a
/// long-lived listener's table shows each peer's last sighting within about the interval.
/// The same address with another node id or port, heard with evidence at least as strong as the
/// peer's (<see cref="PeerDiscovered.How"/>), is a new peer: a <see cref="PeerDiscovered"/> with fresh
/// first-seen time; with weaker evidence (an unsolicited announce against an answer to our probe, which
/// anyone can forge), or on unauthenticated, unsolicited evidence at all (forged identities rotated at
/// one address must not become a stream of new peers), it is not reported, only counted in
/// <see cref="DiscoverySummary.PeerSightingsDropped"/>; such a peer is reported anew once the old
/// identity expires. An unauthenticated, unsolicited sighting of a peer proven stronger (it answered our
/// probe, or a key holder's message) is dropped too: a forgery does not keep a departed peer alive.
/// </summary>
/// <param name="Time">When it was reported.</param>
/// <param name="Address">The node's address.</param>
/// <param name="NodeId">Its identity (as first reported).</param>
/// <param name="Port">The service port it announced.</param>
/// <param name="How">How the latest sighting came.</param>
/// <param name="Authenticated">Whether the latest sighting carried a valid tag of the shared network key.</param>
/// <param name="FirstSeen">When it was first heard (its <see cref="PeerDiscovered"/>, or the identity change or return after expiry that reported it again).</param>
/// <param name="LastSeen">When it was last heard.</param>
/// <param name="Sightings">
/// How many times it was heard since <paramref name="FirstSeen"/>, the first included; sightings less than
/// a second apart count as one (the listener hands on at most one per peer per second).
/// </param>
public sealed record PeerSeen(
    DateTimeOffset Time,
    UInt128 Address,
    NodeId NodeId,
    ushort Port,
    PeerDiscoveryMethod How,
    bool Authenticated,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    ulong Sightings) : DiscoveryEvent(Time);

/// <summary>
/// A peer not heard for <see cref="WidescanOptions.PeerExpiry"/>: a host's peer table drops it. Checked
/// on the run's event pump about once a second. A later sighting of the address is a new
/// <see cref="PeerDiscovered"/>. A run's end expires nothing: a host that keeps its table across runs
/// ages it itself.
/// </summary>
/// <param name="Time">When the expiry was noticed.</param>
/// <param name="Address">The node's address.</param>
/// <param name="NodeId">Its identity.</param>
/// <param name="FirstSeen">When it was first heard.</param>
/// <param name="LastSeen">When it was last heard.</param>
public sealed record PeerExpired(DateTimeOffset Time, UInt128 Address, NodeId NodeId, DateTimeOffset FirstSeen, DateTimeOffset LastSeen) : DiscoveryEvent(Time);

/// <summary>
/// Per-cell counters of a scan's target space, for a map of the scan (a Hilbert curve over each grid):
/// with <see cref="WidescanOptions.ProgressCells"/> set, each merged include prefix is one
/// <see cref="CellGrid"/> of equal sub-prefixes in address order, and this event follows every
/// periodic <see cref="ProgressReported"/> (each <see cref="LogOptions.StatsInterval"/>) and comes once
/// more, final, before <see cref="ScanFinished"/>. The counts are
/// cumulative since the run started (a reader that missed one loses nothing), never deltas.
/// </summary>
/// <param name="Time">When it was taken.</param>
/// <param name="Grids">One grid per merged include prefix, in address order.</param>
public sealed record CellProgress(DateTimeOffset Time, IReadOnlyList<CellGrid> Grids) : DiscoveryEvent(Time);

/// <summary>
/// One include prefix cut into <see cref="Cells"/>.Length equal sub-prefixes of /<see cref="CellLength"/>:
/// cell i covers <c>Prefix.Network + (i &lt;&lt; (128 - CellLength))</c>, so a map draws cell i at the
/// Hilbert curve's distance i (the count is a power of 4: a square).
/// </summary>
/// <param name="Prefix">The include prefix (a window scan's too: its cells hold the windows inside them).</param>
/// <param name="CellLength">The cells' prefix length: the prefix's length plus log2 of the cell count.</param>
/// <param name="Cells">The counters, cell by cell, in address order.</param>
public sealed record CellGrid(Ipv6Prefix Prefix, int CellLength, ReadOnlyMemory<CellCounts> Cells)
{
    /// <summary>The sub-prefix cell <paramref name="index"/> covers.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is not a cell of this grid.</exception>
    public Ipv6Prefix CellPrefix(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Cells.Length);
        return new Ipv6Prefix(Prefix.Network + ((UInt128)(uint)index << (128 - CellLength)), CellLength);
    }
}

/// <summary>What one cell of a <see cref="CellGrid"/> counted so far.</summary>
/// <param name="Probes">
/// Probes sent to the cell's targets, counted when their batch is complete (every round out): over all
/// cells, <see cref="DiscoverySummary.ProbesSent"/> minus <see cref="DiscoverySummary.AliasProbes"/> plus
/// <see cref="DiscoverySummary.SendFailures"/> at the end of a run that sent all its batches (a run
/// cancelled or capped mid-batch sent the few probes of that batch uncounted here).
/// </param>
/// <param name="Alive">Live hosts reported (<see cref="HostAlive"/>) in the cell; over all cells, <see cref="DiscoverySummary.Alive"/>.</param>
/// <param name="Peers">Peer addresses reported (<see cref="PeerDiscovered"/>) in the cell, each once.</param>
/// <param name="Unreachable">Targets an ICMPv6 error answered for (<see cref="TargetUnreachable"/>) in the cell.</param>
/// <param name="Aliased">Aliased prefixes (<see cref="PrefixAliased"/>) whose first address lies in the cell.</param>
public readonly record struct CellCounts(ulong Probes, ulong Alive, ulong Peers, ulong Unreachable, ulong Aliased);

/// <summary>Another Widescan probed us.</summary>
/// <param name="Time">When the probe arrived.</param>
/// <param name="Address">The scanner's address.</param>
/// <param name="NodeId">The scanner's identity.</param>
/// <param name="Answered">Whether we answered it with our announce (the responder policy may refuse).</param>
public sealed record ProbeReceived(DateTimeOffset Time, UInt128 Address, NodeId NodeId, bool Answered) : DiscoveryEvent(Time);

/// <summary>
/// The plan of a scan, once its targets are laid out (a list read): the first event of every scan,
/// before anything is sent, so that a host can label its results with the plan before the first one.
/// A listen has none.
/// </summary>
/// <param name="Time">When the plan was made.</param>
/// <param name="Fingerprint">The plan's fingerprint (<see cref="PlanFingerprint"/>): the same in every shard of one scan.</param>
/// <param name="Shard">This run's shard.</param>
/// <param name="StartCursor">The position this run starts at (greater than 0 on a resume).</param>
/// <param name="Positions">The shard's positions in all.</param>
public sealed record ScanPlanned(DateTimeOffset Time, string Fingerprint, ShardSpec Shard, ulong StartCursor, ulong Positions) : DiscoveryEvent(Time);

/// <summary>A periodic progress report.</summary>
/// <param name="Time">When it was taken.</param>
/// <param name="Progress">The counters.</param>
public sealed record ProgressReported(DateTimeOffset Time, ScanProgress Progress) : DiscoveryEvent(Time);

/// <summary>
/// Every result of the batches before <see cref="ScanState.Cursor"/> has been yielded before this event
/// (the answers had time to arrive and to clear the live-host grace), so the cursor may be saved. The
/// module writes <see cref="WidescanOptions.StatePath"/> only when the host asks for the event after
/// this one: a host that buffers results must make them durable (flush, fsync) before it asks for the
/// next event, and then a saved cursor never runs ahead of its results on disk.
/// </summary>
/// <param name="Time">When the checkpoint was taken.</param>
/// <param name="State">The state that will be saved; its cursor is the resume point.</param>
public sealed record CheckpointReached(DateTimeOffset Time, ScanState State) : DiscoveryEvent(Time);

/// <summary>The last event of every run.</summary>
/// <param name="Time">When the run ended.</param>
/// <param name="Summary">What it did.</param>
public sealed record ScanFinished(DateTimeOffset Time, DiscoverySummary Summary) : DiscoveryEvent(Time);

/// <summary>The counters of a run so far.</summary>
/// <param name="ProbesSent">Echo requests sent.</param>
/// <param name="PacketsReceived">ICMPv6 echo packets seen by the listener.</param>
/// <param name="Alive">Distinct live hosts.</param>
/// <param name="Peers">Distinct Widescan peers.</param>
/// <param name="ProbesReceived">Probes of other scanners seen.</param>
/// <param name="SendRate">Probes per second over the last interval.</param>
/// <param name="Cursor">The position to resume from.</param>
/// <param name="Positions">The shard's positions in all (the cursor's end).</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Remaining">Estimated time to the end of sending, when known.</param>
public readonly record struct ScanProgress(
    ulong ProbesSent,
    ulong PacketsReceived,
    ulong Alive,
    ulong Peers,
    ulong ProbesReceived,
    double SendRate,
    ulong Cursor,
    ulong Positions,
    TimeSpan Elapsed,
    TimeSpan? Remaining);

/// <summary>What a run did, reported once at its end.</summary>
public sealed record DiscoverySummary
{
    /// <summary>The generator that produced the targets.</summary>
    public string Generator { get; init; } = "";

    /// <summary>The fingerprint of the scan's plan (<see cref="ScanPlanned.Fingerprint"/>); null for a listen.</summary>
    public string? PlanFingerprint { get; init; }

    /// <summary>Echo requests sent.</summary>
    public ulong ProbesSent { get; init; }

    /// <summary>Probes given up on, each counted: the kernel refused them (unreachable) or ENOBUFS outlasted the retries.</summary>
    public ulong SendFailures { get; init; }

    /// <summary>Packets the listener classified.</summary>
    public ulong PacketsReceived { get; init; }

    /// <summary>Distinct live hosts.</summary>
    public ulong Alive { get; init; }

    /// <summary>Distinct Widescan peers.</summary>
    public ulong Peers { get; init; }

    /// <summary>
    /// Distinct targets that produced an ICMPv6 error quoting our probe (<see cref="TargetUnreachable"/>):
    /// a lower bound, since routers rate-limit their errors.
    /// </summary>
    public ulong Unreachable { get; init; }

    /// <summary>
    /// Live hosts not reported as alive because the same target also produced an ICMPv6 error (an
    /// echo dropped in its grace when the error came, or an echo after the error); not in
    /// <see cref="Alive"/>. A host already reported alive when a later error came is not counted: it
    /// keeps its record beside the error's.
    /// </summary>
    public ulong AliveOverruled { get; init; }

    /// <summary>Probes of other scanners seen.</summary>
    public ulong ProbesReceived { get; init; }

    /// <summary>Packets ignored (wrong tag, bad MAC, replay, truncated, not ours).</summary>
    public ulong Ignored { get; init; }

    /// <summary>The position to resume from; equal to <see cref="Positions"/> when the shard is done.</summary>
    public ulong Cursor { get; init; }

    /// <summary>The shard's positions in all.</summary>
    public ulong Positions { get; init; }

    /// <summary>Whether the run was cancelled before the end of its targets.</summary>
    public bool Cancelled { get; init; }

    /// <summary>How long the run took, start to end (listening, sending, cooldown).</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>How long sending took, from the broadcaster's start to its last probe; zero when listening only.</summary>
    public TimeSpan SendDuration { get; init; }

    /// <summary>How the run ended: complete, with losses, cancelled, or failed.</summary>
    public DiscoveryStatus Status { get; init; }

    /// <summary>Results lost, by where they were lost; all zero unless <see cref="Status"/> says so.</summary>
    public DiscoveryLosses Lost { get; init; }

    /// <summary>What failed, when <see cref="Status"/> is <see cref="DiscoveryStatus.Failed"/> (the listener's interface disappeared, say); otherwise null.</summary>
    public string? Failure { get; init; }

    /// <summary>The send rate asked for (<see cref="WidescanOptions.Rate"/>), probes per second; zero when listening only.</summary>
    public long RateRequested { get; init; }

    /// <summary>The send rate achieved over <see cref="SendDuration"/>, probes per second.</summary>
    public double RateAchieved { get; init; }

    /// <summary>Why the achieved rate fell short of the requested one (under 90% of it), or null when it did not.</summary>
    public string? RateShortfall { get; init; }

    /// <summary>
    /// Replies the kernel dropped before the listener read them (its queue was full), as the kernel
    /// counted them; any is also a loss in <see cref="Lost"/>.
    /// </summary>
    public ulong RepliesDropped { get; init; }

    /// <summary>How many times the send rate was lowered because the listener fell behind (0: it kept up at the rate asked).</summary>
    public ulong RateReductions { get; init; }

    /// <summary>The lowest send rate the pacing went down to, probes per second; zero when it never acted.</summary>
    public long RateLowest { get; init; }

    /// <summary>Prefixes found aliased (<see cref="PrefixAliased"/> events); zero with <see cref="WidescanOptions.Dealias"/> off.</summary>
    public ulong AliasedPrefixes { get; init; }

    /// <summary>
    /// Live hosts not reported because they lie inside an aliased prefix (dealiasing on); distinct
    /// addresses, the test's trigger included. Not in <see cref="Alive"/>.
    /// </summary>
    public ulong AliasedHosts { get; init; }

    /// <summary>Alias probes sent (each address of a test times the probes per target); also counted in <see cref="ProbesSent"/>.</summary>
    public ulong AliasProbes { get; init; }

    /// <summary>
    /// Peers reported (<see cref="PeerDiscovered"/>) while the peer table was full
    /// (<see cref="WidescanOptions.MaxTrackedPeers"/>), and unauthenticated, unsolicited peers evicted
    /// from the full table to make room for a peer on stronger evidence (an answer to our probe, a key
    /// holder's message): no <see cref="PeerSeen"/> or <see cref="PeerExpired"/> follows for them; once
    /// expiry makes room, the next sighting of one reports it again.
    /// </summary>
    public ulong PeersUntracked { get; init; }

    /// <summary>
    /// Peer sightings not reported: repeats of a peer the full table does not track, a different node
    /// id or port at a peer's address heard with weaker evidence than the peer's, or on unauthenticated,
    /// unsolicited evidence at all, and such spoofable sightings of a peer proven stronger (they neither
    /// keep it alive nor change it; see <see cref="PeerSeen"/>).
    /// </summary>
    public ulong PeerSightingsDropped { get; init; }

    /// <summary>
    /// Unauthenticated, unsolicited messages (announces and probes from sources not yet reported; without
    /// a network key anyone can forge them) that were not reported: over the listener's bound per source
    /// /64 and per second, or over its bound of <see cref="WidescanOptions.MaxTrackedPeers"/> such sources
    /// held. Each message counts. A warning names the bound reached.
    /// </summary>
    public ulong UnsolicitedRefused { get; init; }

    /// <summary>
    /// Probes of other scanners not answered with an announce: the responder's limits (per second, per
    /// source /64, and never an answer larger than the probe) keep it from being a reflector.
    /// </summary>
    public ulong AnnouncesRefused { get; init; }
}

/// <summary>How a run ended.</summary>
public enum DiscoveryStatus
{
    /// <summary>It did all it was asked, and every answer heard was reported.</summary>
    Complete,

    /// <summary>It ran to its end but lost results (<see cref="DiscoverySummary.Lost"/> says where).</summary>
    Incomplete,

    /// <summary>It was cancelled; the saved state resumes it.</summary>
    Interrupted,

    /// <summary>It could not go on (<see cref="DiscoverySummary.Failure"/> says why).</summary>
    Failed,
}

/// <summary>Answers heard but not reported, by where they were lost.</summary>
/// <param name="Capture">Frames still in the capture when the run ended (its catch-up gave up).</param>
/// <param name="Kernel">Frames the kernel dropped because the capture fell behind the wire (a CPU-starved listener).</param>
/// <param name="Consumer">Frames or events dropped because the host read results too slowly and everything behind it filled.</param>
public readonly record struct DiscoveryLosses(ulong Capture, ulong Kernel, ulong Consumer)
{
    /// <summary>All of them.</summary>
    public ulong Total => Capture + Kernel + Consumer;
}
