using System.Threading.Channels;

namespace Widescan.Contracts;

/// <summary>
/// Sends the probes of a run. Exported through MEF with <see cref="PartMetadata"/> (Kind
/// "broadcaster"); the discovery module opens one per run.
/// </summary>
public interface IProbeBroadcaster
{
    /// <summary>The broadcaster's name ("raw": a raw ICMPv6 socket with sendmmsg).</summary>
    string Name { get; }

    /// <summary>
    /// Opens the sockets of a run on the calling thread (so in the calling thread's network namespace).
    /// </summary>
    /// <exception cref="MissingPrivilegeException">The process lacks CAP_NET_RAW.</exception>
    IProbeSender Open(DiscoverySession session);
}

/// <summary>
/// An open broadcaster: sends until its targets end or it is cancelled. Dispose closes its sockets.
/// Beyond <see cref="Run"/>, what the discovery module asks of a sender has a default, so a third
/// party's sender works as it is; overriding a default makes the module's summary and pacing better.
/// </summary>
public interface IProbeSender : IDisposable
{
    /// <summary>
    /// How many threads read <see cref="Run"/>'s targets at once (1 by default): the module keeps
    /// about two batches in flight per lane, and its summary names the lanes when the rate fell short
    /// for want of CPU.
    /// </summary>
    int Lanes => 1;

    /// <summary>Back-offs so far on the kernel pushing back (ENOBUFS, EAGAIN): the summary's reason for a rate short of the one asked for. 0 by default.</summary>
    long Retries => 0;

    /// <summary>
    /// Why the last probe counted in <see cref="DiscoveryCounters.SendFailures"/> failed, in words
    /// ("No buffer space available (ENOBUFS)"), for the run's warning; null when none failed or the
    /// sender cannot tell (the default).
    /// </summary>
    string? LastFailure => null;

    /// <summary>
    /// Sends at most this many probes per second from now on, never above
    /// <see cref="WidescanOptions.Rate"/>: the module lowers the rate while the listener falls behind
    /// (<see cref="IListenerRun.Backlog"/>) and raises it again as the listener catches up. May be
    /// called from another thread while <see cref="Run"/> sends, and before it. Returns false when the
    /// sender cannot change its rate (the default): the module then does not pace it.
    /// </summary>
    bool LimitRate(double probesPerSecond) => false;

    /// <summary>
    /// Sends <see cref="WidescanOptions.ProbesPerTarget"/> probes to every target read from
    /// <paramref name="targets"/>, spaced by <see cref="WidescanOptions.ProbeInterval"/>, paced at
    /// <see cref="WidescanOptions.Rate"/> and never more than <see cref="WidescanOptions.MaxProbes"/> in
    /// all, then writes each batch to <paramref name="completed"/> once its last probe is out (with several
    /// send threads, not necessarily in the order read). Blocks the calling
    /// thread until <paramref name="targets"/> completes, the cap is reached or the token is cancelled;
    /// returns why it stopped.
    /// </summary>
    BroadcastEnd Run(ChannelReader<TargetBatch> targets, ChannelWriter<TargetBatch> completed, CancellationToken cancellationToken);
}

/// <summary>Why a broadcaster stopped.</summary>
public enum BroadcastEnd
{
    /// <summary>Every target got all its probes.</summary>
    Done,

    /// <summary><see cref="WidescanOptions.MaxProbes"/> was reached.</summary>
    CapReached,

    /// <summary>The run was cancelled.</summary>
    Cancelled,
}
