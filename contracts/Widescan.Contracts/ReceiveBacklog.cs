namespace Widescan.Contracts;

/// <summary>
/// What a listener's kernel queue holds and has lost, as the kernel counts it: the signal the
/// discovery module's send pacing closes on (<see cref="IListenerRun.Backlog"/>), and the drops a run
/// reports. A listener that cannot tell gives <see cref="Unknown"/>, and the pacing then never slows.
/// </summary>
/// <param name="QueuedBytes">Bytes waiting in the queue (charged with the kernel's per-packet overhead).</param>
/// <param name="BufferBytes">The most the queue may hold before the kernel drops; 0 when unknown.</param>
/// <param name="Dropped">Packets the kernel dropped because the queue was full, since the receiver opened.</param>
public readonly record struct ReceiveBacklog(long QueuedBytes, long BufferBytes, long Dropped)
{
    /// <summary>A receiver that tells nothing.</summary>
    public static ReceiveBacklog Unknown => default;

    /// <summary>How full the queue is, 0 to 1 (0 when the size is unknown).</summary>
    public double Fill => BufferBytes > 0 ? Math.Clamp((double)QueuedBytes / BufferBytes, 0, 1) : 0;
}
