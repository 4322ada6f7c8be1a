using System.Threading.Channels;
using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The broadcaster's send loop, on one or more lanes (a thread and a socket each): every lane reads
/// target batches from the shared channel, sends each batch once per round, holds batches that need
/// more rounds in its own FIFO until their next round is due, and hands a batch on as completed after
/// its last round. Lanes share one pacer and one probe budget, so the rate and the cap hold for the
/// sender as a whole; batches of different lanes complete in any order (the module's cursor waits
/// for the oldest).
/// </summary>
/// <remarks>
/// Why lanes: on a veth the kernel answers inside the sender's syscall, so one thread sending with
/// replies saturates its core (FACTS: ~120-150k pps); a second lane on a second core sends more.
/// Pacing: a token bucket granting at most 10 ms of the rate at a time (so 1,000 pps goes out as 10
/// probes every 10 ms, not 256 every quarter second), and never more than one sendmmsg batch; it
/// banks up to 50 ms, so late wake-ups are made up.
/// Memory: a FIFO holds the batches of rate x interval x (rounds - 1) probes at most, all from the
/// module's fixed pool. Nothing is allocated per probe.
/// </remarks>
internal sealed class ProbeSender : IProbeSender, IAliasProbing
{
    /// <summary>How long an idle lane waits before it looks at the alias queue again: verdicts hold results, so soon.</summary>
    private static readonly TimeSpan AliasPoll = TimeSpan.FromMilliseconds(5);

    private readonly DiscoverySession _session;
    private readonly RawIcmpv6Sender[] _lanes;
    private readonly ProbeWriter _writer;
    private readonly LinkAddressing? _link;
    private readonly object _pacerGate = new();
    private long _budget;
    private int _lastErrno;
    private TokenBucket? _pacer;
    private int _grant = 1;
    private double _limit;
    private AliasProbeQueue? _alias;

    /// <summary>Sends ICMPv6 messages on raw sockets, or, with <paramref name="link"/>, whole frames on packet sockets.</summary>
    public ProbeSender(DiscoverySession session, RawIcmpv6Sender[] lanes, ProbeWriter writer, LinkAddressing? link = null)
    {
        _session = session;
        _lanes = lanes;
        _writer = writer;
        _link = link;
        _budget = (long)Math.Min(session.Options.MaxProbes, long.MaxValue);
    }

    /// <summary>How many threads and sockets send.</summary>
    public int Lanes => _lanes.Length;

    /// <summary>The last errno a send ended on (0 when none): says why probes failed.</summary>
    public int LastErrno => Volatile.Read(ref _lastErrno);

    /// <inheritdoc />
    public string? LastFailure => LastErrno is not 0 and var errno ? LibC.Describe(errno) : null;

    /// <summary>Back-off sleeps the lanes took on ENOBUFS/EAGAIN: the kernel pushing back, which is what limits the rate when it is not the CPU.</summary>
    public long Retries
    {
        get
        {
            var retries = 0L;
            foreach (var lane in _lanes)
                retries += lane.Retries;
            return retries;
        }
    }

    /// <summary>The network namespace the sockets live in (tests check it is the lab's).</summary>
    public ulong NamespaceInode => _lanes[0].NamespaceInode;

    /// <inheritdoc />
    public BroadcastEnd Run(ChannelReader<TargetBatch> targets, ChannelWriter<TargetBatch> completed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(completed);
        var options = _session.Options;
        var grant = Math.Clamp(options.Rate / 100, 1, _lanes[0].BatchSize);
        TokenBucket pacer;
        lock (_pacerGate)
        {
            _grant = grant;
            var rate = _limit > 0 ? Math.Min(_limit, options.Rate) : options.Rate;
            pacer = _pacer = new TokenBucket(rate, Bank(rate), _session.Time);
        }

        var ends = new BroadcastEnd[_lanes.Length];
        var failures = new Exception?[_lanes.Length];
        var threads = new Thread[_lanes.Length - 1];
        for (var i = 1; i < _lanes.Length; i++)
        {
            var lane = i;
            threads[i - 1] = new Thread(() =>
            {
                try
                {
                    ends[lane] = RunLane(_lanes[lane], targets, completed, pacer, grant, cancellationToken);
                }
                catch (Exception e)
                {
                    failures[lane] = e;
                }
            })
            { IsBackground = true, Name = $"widescan-send-{lane}" };
            threads[i - 1].Start();
        }

        try
        {
            ends[0] = RunLane(_lanes[0], targets, completed, pacer, grant, cancellationToken);
        }
        catch (Exception e)
        {
            failures[0] = e;
        }

        foreach (var thread in threads)
            thread.Join();
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
            throw new IOException($"a send lane failed: {failure.Message}", failure);
        return ends.Contains(BroadcastEnd.Cancelled) ? BroadcastEnd.Cancelled
            : ends.Contains(BroadcastEnd.CapReached) ? BroadcastEnd.CapReached
            : BroadcastEnd.Done;
    }

    private BroadcastEnd RunLane(
        RawIcmpv6Sender socket, ChannelReader<TargetBatch> targets, ChannelWriter<TargetBatch> completed, TokenBucket pacer, int grant, CancellationToken cancellationToken)
    {
        var options = _session.Options;
        var time = _session.Time;
        var interval = (long)(options.ProbeInterval.TotalSeconds * time.TimestampFrequency);
        var rounds = new Queue<(TargetBatch Batch, int Round, long Due)>();

        while (!cancellationToken.IsCancellationRequested)
        {
            // Alias probes first: the live hosts of their prefix are held until they are answered.
            if (_alias is { } alias && alias.TryTake(time.GetTimestamp(), out var request))
            {
                if (SendAlias(socket, alias, request, pacer, grant, cancellationToken) is { } stop)
                    return stop;
                continue;
            }

            TargetBatch batch;
            int round;
            if (rounds.Count > 0 && time.GetTimestamp() >= rounds.Peek().Due)
            {
                (batch, round, _) = rounds.Dequeue();
            }
            else if (Interlocked.Read(ref _budget) > 0 && targets.TryRead(out var next))
            {
                (batch, round) = (next, 0);
            }
            else
            {
                if (Interlocked.Read(ref _budget) <= 0 && rounds.Count == 0)
                    return BroadcastEnd.CapReached;
                if (!WaitForWork(targets, rounds.Count > 0 ? rounds.Peek().Due : (long?)null, cancellationToken) && rounds.Count == 0)
                    return cancellationToken.IsCancellationRequested ? BroadcastEnd.Cancelled : BroadcastEnd.Done;
                continue;
            }

            var end = SendRound(socket, batch.Targets, pacer, grant, cancellationToken, out _);
            if (end is not null)
                return end.Value;
            if (round + 1 < options.ProbesPerTarget)
                rounds.Enqueue((batch, round + 1, time.GetTimestamp() + interval));
            else if (!completed.TryWrite(batch))
                throw new InvalidOperationException("the completed-batch channel refused a batch: it must hold every batch of the pool");
        }

        return BroadcastEnd.Cancelled;
    }

    /// <inheritdoc />
    public void AttachAliasProbes(AliasProbeQueue queue) => _alias = queue;

    /// <inheritdoc />
    public void SendAliasProbes(CancellationToken cancellationToken)
    {
        if (_alias is not { } alias)
            return;
        TokenBucket? pacer;
        int grant;
        lock (_pacerGate)
            (pacer, grant) = (_pacer, _grant);
        if (pacer is null)
        {
            alias.FailAll(); // Run never started: nothing may be sent
            return;
        }

        var time = _session.Time;
        var socket = _lanes[0];
        while (!cancellationToken.IsCancellationRequested)
        {
            if (alias.TryTake(time.GetTimestamp(), out var request))
            {
                if (SendAlias(socket, alias, request, pacer, grant, cancellationToken) is not null)
                    break;
                continue;
            }

            if (alias.Drained)
                return;
            var now = time.GetTimestamp();
            var wait = alias.NextDue(now) is { } due ? Until(due) : AliasPoll;
            cancellationToken.WaitHandle.WaitOne(wait < AliasPoll ? wait : AliasPoll);
        }

        alias.FailAll();
    }

    /// <summary>Sends one round of an alias request; null when it went out, else why this lane must stop (the request then failed).</summary>
    private BroadcastEnd? SendAlias(RawIcmpv6Sender socket, AliasProbeQueue alias, AliasProbeRequest request, TokenBucket pacer, int grant, CancellationToken cancellationToken)
    {
        var end = SendRound(socket, request.Addresses, pacer, grant, cancellationToken, out var sent);
        if (end is not null)
        {
            request.Fail();
            if (end == BroadcastEnd.CapReached)
                alias.FailAll(); // no probe can go out any more: every test waiting is untested
            return end;
        }

        alias.RoundSent(request, sent, _session.Time.GetTimestamp(), _session.Time.GetUtcNow());
        return null;
    }

    /// <summary>Sends one round of a batch; null when it all went out, else why this lane must stop.</summary>
    private BroadcastEnd? SendRound(RawIcmpv6Sender socket, ReadOnlySpan<UInt128> destinations, TokenBucket pacer, int grant, CancellationToken cancellationToken, out int sent)
    {
        var counters = _session.Counters;
        sent = 0;
        while (!destinations.IsEmpty)
        {
            int n;
            lock (_pacerGate)
                n = pacer.Take(Math.Min(grant, destinations.Length), cancellationToken);
            if (n == 0)
                return BroadcastEnd.Cancelled;
            n = Reserve(n);
            if (n == 0)
                return BroadcastEnd.CapReached;
            var timestamp = WireFormat.Now(_session.Time);
            SendResult result;
            if (_link is { } link)
            {
                var frames = new ProbeFrameWriter(_writer, link, timestamp);
                result = socket.SendBatch(destinations[..n], ref frames);
            }
            else
            {
                var messages = new ProbeMessageWriter(_writer, timestamp);
                result = socket.SendBatch(destinations[..n], ref messages);
            }

            counters.AddProbesSent(result.Sent);
            sent += result.Sent;
            if (result.Failed > 0)
            {
                counters.AddSendFailures(result.Failed);
                Volatile.Write(ref _lastErrno, result.LastErrno);
            }
            destinations = destinations[n..];
        }

        return null;
    }

    /// <inheritdoc />
    public bool LimitRate(double probesPerSecond)
    {
        lock (_pacerGate)
        {
            _limit = probesPerSecond;
            _pacer?.SetRate(probesPerSecond, Bank(probesPerSecond));
        }

        return true;
    }

    /// <summary>
    /// The bank holds 50 ms of the rate (at least two grants a lane): a sender that wakes up late on
    /// a busy machine catches up instead of losing the time, so the long-run rate holds. It shrinks
    /// with the rate, so a slowed sender cannot burst the old rate's worth.
    /// </summary>
    private int Bank(double rate) => (int)Math.Max(2 * _grant * _lanes.Length, Math.Min(rate / 20, int.MaxValue));

    /// <summary>Takes up to <paramref name="wanted"/> probes from the budget every lane shares; what may be sent.</summary>
    private int Reserve(int wanted)
    {
        while (true)
        {
            var left = Interlocked.Read(ref _budget);
            if (left <= 0)
                return 0;
            var granted = (int)Math.Min(wanted, left);
            if (Interlocked.CompareExchange(ref _budget, left - granted, left) == left)
                return granted;
        }
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
            {
                if (_alias is null)
                    return ready.GetAwaiter().GetResult();

                // Alias requests come from the pump at any time: look again every AliasPoll.
                if (ready.Wait(AliasPoll, cancellationToken))
                    return ready.Result; // false: no batch will come (alias probes left go on after Run)
                return !cancellationToken.IsCancellationRequested;
            }

            var wait = Until(d);
            if (_alias is not null && wait > AliasPoll)
                wait = AliasPoll;
            if (wait > TimeSpan.Zero && ready.Wait(wait, cancellationToken) && !ready.Result)
            {
                // No batch will come: sleep until the round is due (or, with alias probes, the next look).
                var sleep = Until(d);
                cancellationToken.WaitHandle.WaitOne(_alias is not null && sleep > AliasPoll ? AliasPoll : sleep);
            }

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

    public void Dispose()
    {
        foreach (var lane in _lanes)
            lane.Dispose();
    }
}
