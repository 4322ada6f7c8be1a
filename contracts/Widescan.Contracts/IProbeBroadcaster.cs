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

/// <summary>An open broadcaster: sends until its targets end or it is cancelled. Dispose closes its sockets.</summary>
public interface IProbeSender : IDisposable
{
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
