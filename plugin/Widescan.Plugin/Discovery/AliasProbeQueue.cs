namespace Widescan.Plugin.Discovery;

/// <summary>
/// The alias probes waiting for the sender: the event pump enqueues one <see cref="AliasProbeRequest"/>
/// per prefix under test, the send lanes (and, after the targets, <see cref="IAliasProbing.SendAliasProbes"/>)
/// take each request once per round, <see cref="Rounds"/> rounds <see cref="Interval"/> apart like any
/// target, and mark it sent after its last round, or failed when the budget ran out or the run ended.
/// Thread-safe: one lock, taken once per request and round, never per packet.
/// </summary>
/// <remarks>
/// Two FIFOs: fresh requests, and requests waiting for a later round. The interval is the same for
/// all, so the second queue is ordered by due time and its head is the next due; rounds come first
/// (their first round has held results the longest). Memory: the requests of the prefixes under test.
/// </remarks>
internal sealed class AliasProbeQueue(int rounds, long interval)
{
    private readonly object _gate = new();
    private readonly Queue<AliasProbeRequest> _fresh = new();
    private readonly Queue<AliasProbeRequest> _later = new();
    private bool _closed;
    private long _sent;

    /// <summary>Probes per alias address (<see cref="Contracts.WidescanOptions.ProbesPerTarget"/>).</summary>
    public int Rounds { get; } = rounds;

    /// <summary>Time between two rounds of one request, in the clock's timestamp ticks.</summary>
    public long Interval { get; } = interval;

    /// <summary>Alias probes sent so far (also in the run's <c>ProbesSent</c>).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Whether it is closed and nothing waits: the after-targets sender may stop.</summary>
    public bool Drained
    {
        get
        {
            lock (_gate)
                return _closed && _fresh.Count == 0 && _later.Count == 0;
        }
    }

    /// <summary>The timestamp at which the next request is due: now for a fresh one, null when none waits.</summary>
    public long? NextDue(long now)
    {
        lock (_gate)
            return _fresh.Count > 0 ? now : _later.TryPeek(out var r) ? r.Due : null;
    }

    /// <summary>Adds a request (its first round is due at once); once closed, the request fails at once.</summary>
    public void Enqueue(AliasProbeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            if (!_closed)
            {
                _fresh.Enqueue(request);
                return;
            }
        }

        request.Fail();
    }

    /// <summary>The next request whose round is due at <paramref name="now"/>, if any.</summary>
    public bool TryTake(long now, out AliasProbeRequest request)
    {
        lock (_gate)
        {
            if (_later.TryPeek(out var due) && due.Due <= now)
            {
                request = _later.Dequeue();
                return true;
            }

            return _fresh.TryDequeue(out request!);
        }
    }

    /// <summary>A round of <paramref name="request"/> went out (<paramref name="probes"/> probes): due again after the interval, or sent.</summary>
    public void RoundSent(AliasProbeRequest request, int probes, long now, DateTimeOffset utcNow)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Add(ref _sent, probes);
        if (++request.Round >= Rounds)
        {
            request.Finish(utcNow);
            return;
        }

        request.Due = now + Interval;
        lock (_gate)
        {
            if (!_closed)
            {
                _later.Enqueue(request);
                return;
            }
        }

        request.Fail();
    }

    /// <summary>Takes no more requests; those still waiting are served until <see cref="FailAll"/>.</summary>
    public void Close()
    {
        lock (_gate)
            _closed = true;
    }

    /// <summary>Closes and fails every waiting request (the run is cancelled, or the probe budget is spent).</summary>
    public void FailAll()
    {
        List<AliasProbeRequest> failed;
        lock (_gate)
        {
            _closed = true;
            failed = [.. _fresh, .. _later];
            _fresh.Clear();
            _later.Clear();
        }

        foreach (var request in failed)
            request.Fail();
    }
}

/// <summary>The sender side of alias probing: a broadcaster whose sender can send a run's alias probes.</summary>
internal interface IAliasProbing
{
    /// <summary>Before <c>Run</c>: the lanes serve the queue's requests before the next target batch.</summary>
    void AttachAliasProbes(AliasProbeQueue queue);

    /// <summary>
    /// After <c>Run</c> returned: sends what the queue still holds or is given (paced and capped as the
    /// targets were) until it is closed and drained; on cancellation, or when the probe budget is
    /// spent, fails what waits. Blocks the calling thread.
    /// </summary>
    void SendAliasProbes(CancellationToken cancellationToken);
}

/// <summary>
/// The probes of one alias test: its addresses, the sender's round bookkeeping, and the outcome the
/// event pump polls (sent, with the time of the last round, or failed).
/// </summary>
internal sealed class AliasProbeRequest(UInt128 prefix, UInt128[] addresses)
{
    private long _finishedTicks; // UTC ticks of the last round; 0 while pending
    private int _failed;

    /// <summary>The tested prefix's network.</summary>
    public UInt128 Prefix { get; } = prefix;

    /// <summary>The alias addresses, one per sub-prefix that had an allowed draw.</summary>
    public UInt128[] Addresses { get; } = addresses;

    /// <summary>Rounds sent (the sender's).</summary>
    internal int Round { get; set; }

    /// <summary>When the next round is due, in timestamp ticks (the sender's).</summary>
    internal long Due { get; set; }

    /// <summary>When the last round went out; null while pending or when failed.</summary>
    public DateTimeOffset? SentAt => Volatile.Read(ref _finishedTicks) is > 0 and var ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Whether the probes could not all be sent (the budget ran out, the run ended).</summary>
    public bool Failed => Volatile.Read(ref _failed) != 0;

    internal void Finish(DateTimeOffset utcNow) => Volatile.Write(ref _finishedTicks, Math.Max(1, utcNow.UtcTicks));

    internal void Fail() => Volatile.Write(ref _failed, 1);
}
