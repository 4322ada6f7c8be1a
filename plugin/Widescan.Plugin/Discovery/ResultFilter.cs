using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Makes each responder one result: a Widescan node answers a probe twice, with its kernel's echo
/// reply (alive) and, a moment later from user space, its announce (peer). A live host is therefore
/// held back for a grace period and dropped if its announce arrives meanwhile, so the results hold
/// exactly the plain hosts as alive and the Widescan nodes as peers. Only an announce answering our
/// probe claims the address (its tag, which only who saw the probe can copy): an unsolicited announce,
/// unauthenticated or even signed by a key holder, may come from a spoofed source, so it is reported as
/// a peer but never hides a host that answered our probe (1,000 forgeries spoofed from scanned
/// addresses hid 950 real hosts before this rule). A peer already reported is reported again only
/// with stronger evidence (<see cref="PeerEvidence"/>).
/// </summary>
/// <remarks>
/// A target that produced an ICMPv6 error quoting our probe (<see cref="TargetUnreachable"/>) is never
/// reported alive. The listener owns the rule's one set of errored targets: it reports each target's
/// error once and never hands on a live host of an errored target (it counts it as overruled). So
/// the only live host of an errored target that reaches this filter came before its error, and the
/// error drops it if it is still in its grace (counted in <see cref="AliveOverruled"/>); one already
/// released stays reported, and the error is reported too. The filter therefore keeps no errored
/// targets, only which held hosts an error named. Memory: the hosts of one grace period (each with its
/// address, and a mark when an error named it) and the peers. Not thread-safe: the module's event pump
/// owns it; <see cref="Held"/> may be read from any thread.
/// </remarks>
/// <param name="grace">How long a live host waits for an announce from the same address.</param>
/// <param name="counters">Where a live host dropped for its target's error is counted (the run's); none in tests.</param>
internal sealed class ResultFilter(TimeSpan grace, DiscoveryCounters? counters = null)
{
    private readonly Queue<HostAlive> _pending = new();
    private readonly HashSet<UInt128> _pendingAddresses = []; // the addresses in _pending: a host is held once
    private readonly HashSet<UInt128> _overruled = []; // held addresses an error named: dropped at release
    private readonly HashSet<UInt128> _peers = []; // addresses claimed by an answer to our probe
    private readonly Dictionary<UInt128, PeerEvidence> _reported = []; // peers already reported, and how strongly
    private int _held;

    /// <summary>The addresses reported as peers so far (a peer reported again with stronger evidence counts once).</summary>
    public int PeersReported => _reported.Count;

    /// <summary>The errors handed on so far (the listener reports each target once).</summary>
    public int UnreachableReported { get; private set; }

    /// <summary>Live hosts dropped in their grace because an error of the same target came.</summary>
    public long AliveOverruled { get; private set; }

    /// <summary>
    /// Live hosts in their grace now (any thread). It drops only after a released host was handed on,
    /// so a reader that sees 0 here and then reads the next stage's count misses nothing in between.
    /// </summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>How long a live host waits for an announce from the same address.</summary>
    public TimeSpan Grace { get; } = grace;

    /// <summary>Takes one listener event; writes what can be reported now to <paramref name="emit"/>.</summary>
    public void Offer(DiscoveryEvent e, Action<DiscoveryEvent> emit)
    {
        switch (e)
        {
            case HostAlive alive:
                // A second live host of an address already held is the same result, already waiting.
                if (!_peers.Contains(alive.Address) && _pendingAddresses.Add(alive.Address))
                {
                    _pending.Enqueue(alive);
                    Volatile.Write(ref _held, _pending.Count);
                }

                break;
            case TargetUnreachable unreachable:
                if (_pendingAddresses.Contains(unreachable.Address))
                    _overruled.Add(unreachable.Address);
                UnreachableReported++;
                emit(unreachable);
                break;
            case PeerDiscovered peer:
                if (PeerEvidenceOf.Raise(_reported, peer.Address, PeerEvidenceOf.Grade(peer.How, peer.Authenticated)))
                    emit(peer);
                if (peer.How == PeerDiscoveryMethod.AnsweredProbe)
                    _peers.Add(peer.Address);
                break;
            default:
                emit(e);
                break;
        }
    }

    /// <summary>Reports the live hosts whose grace ended by <paramref name="now"/> and that no announce claimed.</summary>
    public void Release(DateTimeOffset now, Action<DiscoveryEvent> emit)
    {
        while (_pending.TryPeek(out var alive) && alive.Time + Grace <= now)
        {
            Report(alive, emit);
            _pending.Dequeue();
            Volatile.Write(ref _held, _pending.Count);
        }
    }

    /// <summary>Reports every live host still held (the end of a run).</summary>
    public void ReleaseAll(Action<DiscoveryEvent> emit)
    {
        while (_pending.TryDequeue(out var alive))
            Report(alive, emit);
        Volatile.Write(ref _held, 0);
    }

    private void Report(HostAlive alive, Action<DiscoveryEvent> emit)
    {
        _pendingAddresses.Remove(alive.Address);
        bool overruled = _overruled.Remove(alive.Address);
        if (_peers.Contains(alive.Address))
            return; // a peer's record stands for it, error or not
        if (overruled)
        {
            AliveOverruled++;
            counters?.AddAliveOverruled(1);
            return;
        }

        emit(alive);
    }
}
