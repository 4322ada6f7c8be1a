using System.Security.Cryptography;

namespace Widescan.Contracts;

/// <summary>
/// What the broadcaster and the listener of one run share: the validated options, the per-run secret
/// that keys the probes' validation tags (so the listener recognises the broadcaster's probes without
/// state), the clock, and the counters both update. The discovery module creates one per run and
/// hands it only to that run's parts (its own or another plugin's); a host sees the counters through
/// <see cref="ProgressReported"/>, the summary and the meter, and the secret never. A host creates a
/// session only to drive a part directly (a test).
/// </summary>
public sealed class DiscoverySession
{
    /// <summary>Length of <see cref="ScanSecret"/>.</summary>
    public const int ScanSecretLength = 16;

    private readonly byte[] _scanSecret;

    /// <summary>Creates a session with a fresh random secret.</summary>
    /// <param name="options">The run's options, already validated.</param>
    /// <param name="time">The clock; the system clock when null.</param>
    public DiscoverySession(WidescanOptions options, TimeProvider? time = null)
        : this(options, RandomNumberGenerator.GetBytes(ScanSecretLength), time)
    {
    }

    /// <summary>Creates a session with a given secret (tests, or a listener that must match another process's probes).</summary>
    /// <exception cref="ArgumentException">The secret is not <see cref="ScanSecretLength"/> bytes.</exception>
    public DiscoverySession(WidescanOptions options, ReadOnlySpan<byte> scanSecret, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (scanSecret.Length != ScanSecretLength)
            throw new ArgumentException($"the scan secret is {scanSecret.Length} bytes; it must be {ScanSecretLength}", nameof(scanSecret));
        Options = options;
        Time = time ?? TimeProvider.System;
        _scanSecret = scanSecret.ToArray();
    }

    /// <summary>The run's options.</summary>
    public WidescanOptions Options { get; }

    /// <summary>The clock everything of the run reads.</summary>
    public TimeProvider Time { get; }

    /// <summary>
    /// The per-run secret of the validation tags, for parts only: a broadcaster keys the tags of its
    /// probes with it (docs/wire-format.md, "Validation tag") and a listener checks them. Read-only;
    /// never log, save or send it: it never leaves the process.
    /// </summary>
    public ReadOnlySpan<byte> ScanSecret => _scanSecret;

    /// <summary>The run's counters.</summary>
    public DiscoveryCounters Counters { get; } = new();
}

/// <summary>
/// Counters of a run, updated by the broadcaster and the listener from their own threads and read by
/// the module (progress, summary, metrics). Plain interlocked longs: no lock, no allocation. Who adds:
/// the sender its probes and failures; the listener what it hears, ignores, answers and loses; the
/// module alone counts <see cref="Alive"/>, <see cref="Peers"/> and <see cref="Unreachable"/> from the
/// results it reports (after dedup, grace and dealiasing), so a listener must not add those.
/// </summary>
public sealed class DiscoveryCounters
{
    private long _probesSent;
    private long _sendFailures;
    private long _packetsReceived;
    private long _ignored;
    private long _alive;
    private long _peers;
    private long _unreachable;
    private long _aliveOverruled;
    private long _probesReceived;
    private long _announcesSent;
    private long _lostInCapture;
    private long _lostInKernel;
    private long _lostToConsumer;
    private long _repliesDropped;
    private long _unsolicitedRefused;
    private long _announcesRefused;
    private long _sightingsDropped;

    /// <summary>Echo requests the kernel accepted.</summary>
    public long ProbesSent => Interlocked.Read(ref _probesSent);

    /// <summary>Probes given up on (ENOBUFS past the retry budget, unreachable), each counted.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Echo packets the listener classified.</summary>
    public long PacketsReceived => Interlocked.Read(ref _packetsReceived);

    /// <summary>Packets ignored (not ours, wrong tag, bad MAC, replay, ...).</summary>
    public long Ignored => Interlocked.Read(ref _ignored);

    /// <summary>Distinct live hosts reported.</summary>
    public long Alive => Interlocked.Read(ref _alive);

    /// <summary>Distinct peers reported.</summary>
    public long Peers => Interlocked.Read(ref _peers);

    /// <summary>Distinct targets reported unreachable (an ICMPv6 error quoting our probe).</summary>
    public long Unreachable => Interlocked.Read(ref _unreachable);

    /// <summary>
    /// Live hosts not reported as alive because the same target also produced an ICMPv6 error (the
    /// error's record stands for the target), each address once.
    /// </summary>
    public long AliveOverruled => Interlocked.Read(ref _aliveOverruled);

    /// <summary>Probes of other scanners seen.</summary>
    public long ProbesReceived => Interlocked.Read(ref _probesReceived);

    /// <summary>Announces sent in answer to probes.</summary>
    public long AnnouncesSent => Interlocked.Read(ref _announcesSent);

    /// <summary>Answers left in the capture when it stopped.</summary>
    public long LostInCapture => Interlocked.Read(ref _lostInCapture);

    /// <summary>Answers the kernel dropped while the capture fell behind on its own.</summary>
    public long LostInKernel => Interlocked.Read(ref _lostInKernel);

    /// <summary>Answers lost because the host read results too slowly.</summary>
    public long LostToConsumer => Interlocked.Read(ref _lostToConsumer);

    /// <summary>Replies the kernel dropped because the listener's queue was full, as the kernel counts them.</summary>
    public long RepliesDropped => Interlocked.Read(ref _repliesDropped);

    /// <summary>
    /// Unauthenticated, unsolicited messages (announces and probes from sources not yet reported) that
    /// were not reported: over the listener's bound per source /64 and per second, or over its bound of
    /// <see cref="WidescanOptions.MaxTrackedPeers"/> such sources held. Each message counts.
    /// </summary>
    public long UnsolicitedRefused => Interlocked.Read(ref _unsolicitedRefused);

    /// <summary>Probes of other scanners not answered: the responder's limits (rate, per source prefix, no answer larger than the probe).</summary>
    public long AnnouncesRefused => Interlocked.Read(ref _announcesRefused);

    /// <summary>The listener's dropped peer sightings: spoofable (unauthenticated, unsolicited) messages from a peer proven stronger.</summary>
    public long SightingsDropped => Interlocked.Read(ref _sightingsDropped);

    /// <summary>Counts unsolicited messages refused.</summary>
    public void AddUnsolicitedRefused(long count) => Interlocked.Add(ref _unsolicitedRefused, count);

    /// <summary>Counts probes the responder did not answer.</summary>
    public void AddAnnouncesRefused(long count) => Interlocked.Add(ref _announcesRefused, count);

    /// <summary>Counts peer sightings the listener dropped.</summary>
    public void AddSightingsDropped(long count) => Interlocked.Add(ref _sightingsDropped, count);

    /// <summary>Counts replies the kernel dropped.</summary>
    public void AddRepliesDropped(long count) => Interlocked.Add(ref _repliesDropped, count);

    /// <summary>Every loss so far, as the summary reports it.</summary>
    public DiscoveryLosses Losses => new((ulong)LostInCapture, (ulong)LostInKernel, (ulong)LostToConsumer);

    /// <summary>Counts answers left in the capture.</summary>
    public void AddLostInCapture(long count) => Interlocked.Add(ref _lostInCapture, count);

    /// <summary>Counts answers the kernel dropped.</summary>
    public void AddLostInKernel(long count) => Interlocked.Add(ref _lostInKernel, count);

    /// <summary>Counts answers lost to a slow host.</summary>
    public void AddLostToConsumer(long count) => Interlocked.Add(ref _lostToConsumer, count);

    /// <summary>Adds sent probes.</summary>
    public void AddProbesSent(long count) => Interlocked.Add(ref _probesSent, count);

    /// <summary>Adds failed probes.</summary>
    public void AddSendFailures(long count) => Interlocked.Add(ref _sendFailures, count);

    /// <summary>Counts a classified packet.</summary>
    public void AddPacketsReceived(long count) => Interlocked.Add(ref _packetsReceived, count);

    /// <summary>Counts an ignored packet.</summary>
    public void AddIgnored(long count) => Interlocked.Add(ref _ignored, count);

    /// <summary>Counts a live host reported (the module's, as it reports one).</summary>
    public void AddAlive(long count) => Interlocked.Add(ref _alive, count);

    /// <summary>Counts a peer reported (the module's, as it reports one).</summary>
    public void AddPeers(long count) => Interlocked.Add(ref _peers, count);

    /// <summary>Adds targets reported unreachable (the module's, as it reports them).</summary>
    public void AddUnreachable(long count) => Interlocked.Add(ref _unreachable, count);

    /// <summary>Counts live hosts not reported because their target also produced an ICMPv6 error.</summary>
    public void AddAliveOverruled(long count) => Interlocked.Add(ref _aliveOverruled, count);

    /// <summary>Counts a received probe.</summary>
    public void AddProbesReceived(long count) => Interlocked.Add(ref _probesReceived, count);

    /// <summary>Counts an announce sent.</summary>
    public void AddAnnouncesSent(long count) => Interlocked.Add(ref _announcesSent, count);
}
