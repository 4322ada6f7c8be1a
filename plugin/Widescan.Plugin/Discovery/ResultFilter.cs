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
/// with stronger evidence (<see cref="PeerEvidence"/>). A target that produced an ICMPv6 error quoting
/// our probe (<see cref="TargetUnreachable"/>) is never reported alive: the error drops a live host of
/// the same address still held in its grace and blocks every later one (an echo after an error is a
/// second probe's answer, or forged from a spoofed source; the router's error stands). A live host
/// already reported when an error arrives after its grace stays reported, and the error is reported
/// too. Memory: the hosts of one grace period, the peers, and the distinct targets that produced an
/// error (one address each). Not thread-safe: the module's event pump owns it; <see cref="Held"/> may be read from any thread.
/// </summary>
internal sealed class ResultFilter(TimeSpan grace)
{
    private readonly Queue<HostAlive> _pending = new();
    private readonly HashSet<UInt128> _peers = []; // addresses claimed by an answer to our probe
    private readonly Dictionary<UInt128, PeerEvidence> _reported = []; // peers already reported, and how strongly
    private readonly HashSet<UInt128> _unreachable = []; // targets an error was reported for
    private int _held;

    /// <summary>The addresses reported as peers so far (a peer reported again with stronger evidence counts once).</summary>
    public int PeersReported => _reported.Count;

    /// <summary>The distinct targets reported unreachable so far.</summary>
    public int UnreachableReported => _unreachable.Count;

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
                if (!_peers.Contains(alive.Address) && !_unreachable.Contains(alive.Address))
                {
                    _pending.Enqueue(alive);
                    Volatile.Write(ref _held, _pending.Count);
                }
                break;
            case TargetUnreachable unreachable:
                // The listener reports a target once; a second listener event for it is not a second target.
                if (_unreachable.Add(unreachable.Address))
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
        if (!_peers.Contains(alive.Address) && !_unreachable.Contains(alive.Address))
            emit(alive);
    }
}
