using System.Threading.Channels;
using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The broadcaster's send loop: reads target batches, sends each batch once per round, holding batches
/// that need more rounds in a FIFO until their next round is due, and hands a batch on as completed
/// after its last round. Because every round waits the same interval, the FIFO is also in due order and
/// batches complete in the order they were read (the module's resume cursor depends on that).
/// </summary>
/// <remarks>
/// Pacing: a token bucket granting at most 10 ms of the rate at a time (so 1,000 pps goes out as 10
/// probes every 10 ms, not 256 every quarter second), and never more than one sendmmsg batch. Memory:
/// the FIFO holds the batches of rate x interval x (rounds - 1) probes at most, all from the module's
/// fixed pool. Nothing is allocated per probe.
/// </remarks>
internal sealed class ProbeSender : IProbeSender
{
    private readonly DiscoverySession _session;
    private readonly RawIcmpv6Sender _socket;
    private readonly ProbeWriter _writer;

    public ProbeSender(DiscoverySession session, RawIcmpv6Sender socket, ProbeWriter writer)
    {
        _session = session;
        _socket = socket;
        _writer = writer;
    }

    /// <summary>The network namespace the socket lives in (tests check it is the lab's).</summary>
    public ulong NamespaceInode => _socket.NamespaceInode;

    /// <inheritdoc />
    public BroadcastEnd Run(ChannelReader<TargetBatch> targets, ChannelWriter<TargetBatch> completed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(completed);
        var options = _session.Options;
        var time = _session.Time;
        var grant = Math.Clamp(options.Rate / 100, 1, _socket.BatchSize);
        var bucket = new TokenBucket(options.Rate, 2 * grant, time);
        var interval = (long)(options.ProbeInterval.TotalSeconds * time.TimestampFrequency);
        var rounds = new Queue<(TargetBatch Batch, int Round, long Due)>();
        var budget = options.MaxProbes;

        while (!cancellationToken.IsCancellationRequested)
        {
            TargetBatch batch;
            int round;
            if (rounds.Count > 0 && time.GetTimestamp() >= rounds.Peek().Due)
            {
                (batch, round, _) = rounds.Dequeue();
            }
            else if (targets.TryRead(out var next))
            {
                (batch, round) = (next, 0);
            }
            else
            {
                if (!WaitForWork(targets, rounds.Count > 0 ? rounds.Peek().Due : (long?)null, cancellationToken) && rounds.Count == 0)
                    return cancellationToken.IsCancellationRequested ? BroadcastEnd.Cancelled : BroadcastEnd.Done;
                continue;
            }

            var end = SendRound(batch.Targets, bucket, grant, ref budget, cancellationToken);
            if (end is not null)
                return end.Value;
            if (round + 1 < options.ProbesPerTarget)
                rounds.Enqueue((batch, round + 1, time.GetTimestamp() + interval));
            else if (!completed.TryWrite(batch))
                throw new InvalidOperationException("the completed-batch channel refused a batch: it must hold every batch of the pool");
        }

        return BroadcastEnd.Cancelled;
    }

    /// <summary>Sends one round of a batch; null when it all went out, else why sending must stop.</summary>
    private BroadcastEnd? SendRound(ReadOnlySpan<UInt128> destinations, TokenBucket bucket, int grant, ref ulong budget, CancellationToken cancellationToken)
    {
        var counters = _session.Counters;
        var capped = false;
        if ((ulong)destinations.Length > budget)
        {
            destinations = destinations[..(int)budget];
            capped = true;
        }

        while (!destinations.IsEmpty)
        {
            var n = bucket.Take(Math.Min(grant, destinations.Length), cancellationToken);
            if (n == 0)
                return BroadcastEnd.Cancelled;
            var writer = new ProbeMessageWriter(_writer, (ulong)_session.Time.GetUtcNow().ToUnixTimeMilliseconds());
            var result = _socket.SendBatch(destinations[..n], ref writer);
            counters.AddProbesSent(result.Sent);
            if (result.Failed > 0)
                counters.AddSendFailures(result.Failed);
            budget -= (ulong)n;
            destinations = destinations[n..];
        }

        return capped || budget == 0 ? BroadcastEnd.CapReached : null;
    }

    /// <summary>
    /// Waits until a batch can be read or the next round is due. Returns false when the target channel
    /// has completed (no batch will come) or the run is cancelled.
    /// </summary>
    private bool WaitForWork(ChannelReader<TargetBatch> targets, long? due, CancellationToken cancellationToken)
    {
        try
        {
            var ready = targets.WaitToReadAsync(cancellationToken).AsTask();
            if (due is not { } d)
                return ready.GetAwaiter().GetResult();

            var wait = Until(d);
            if (wait > TimeSpan.Zero && ready.Wait(wait, cancellationToken) && !ready.Result)
                cancellationToken.WaitHandle.WaitOne(Until(d)); // no batch will come: sleep until the round is due
            return !cancellationToken.IsCancellationRequested;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException)
        {
            return false;
        }
    }

    private TimeSpan Until(long due)
    {
        var wait = _session.Time.GetElapsedTime(_session.Time.GetTimestamp(), due);
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    public void Dispose() => _socket.Dispose();
}
