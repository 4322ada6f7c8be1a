using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The run's peers with their first and last sightings: turns the listener's repeat sightings
/// (<see cref="PeerHeard"/>) into <see cref="PeerSeen"/>, at most one per peer per seen interval, and
/// peers unheard for the expiry into <see cref="PeerExpired"/>; a peer heard after it expired, or with a
/// new identity (node id or port) on proven evidence at least as strong, is reported again as
/// <see cref="PeerDiscovered"/>. Bounded: past its capacity a new peer is still reported but not tracked
/// (<see cref="Untracked"/>), and repeats of untracked peers are counted (<see cref="SightingsDropped"/>).
/// </summary>
/// <remarks>
/// What an attacker without the network key can send, anyone can: unauthenticated, unsolicited
/// announces and probes (<see cref="PeerEvidence.Unproven"/>) from any source. So such a sighting never
/// replaces a tracked identity (a forger rotating node ids at one address would otherwise make a new
/// peer a second of every address he holds), never refreshes a peer proven stronger (it would keep a
/// departed peer alive), and unproven peers never keep a proven one out: a full table evicts its oldest
/// unproven peer (counted in <see cref="Untracked"/>) to track a peer on stronger evidence. Not
/// thread-safe: the module's event pump owns it.
/// </remarks>
internal sealed class PeerTable
{
    private readonly Dictionary<UInt128, Entry> _peers = [];
    private readonly List<UInt128> _expired = [];
    private readonly Queue<UInt128> _unprovenOrder = new(); // unproven peers, oldest first (stale entries skipped)
    private readonly HashSet<UInt128> _kept = []; // the rebuild's: addresses already kept in the queue
    private int _unproven; // entries on unproven evidence now
    private readonly TimeSpan _seenInterval;
    private readonly TimeSpan _expiry;
    private readonly int _capacity;
    private readonly TimeProvider _time;

    /// <summary>A table that reports at most one <see cref="PeerSeen"/> per peer per <paramref name="seenInterval"/> and expires peers unheard for <paramref name="expiry"/>.</summary>
    public PeerTable(TimeSpan seenInterval, TimeSpan expiry, int capacity, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _seenInterval = seenInterval;
        _expiry = expiry;
        _capacity = capacity;
        _time = time;
    }

    /// <summary>The table of a run's options.</summary>
    public static PeerTable For(WidescanOptions options) =>
        new(options.PeerSeenInterval, options.PeerExpiry, options.MaxTrackedPeers, options.TimeProvider);

    /// <summary>Peers tracked now.</summary>
    public int Count => _peers.Count;

    /// <summary>Peers reported while the table was full, so never tracked.</summary>
    public long Untracked { get; private set; }

    /// <summary>Sightings not reported: repeats of untracked peers, and weaker claims of another identity at a peer's address.</summary>
    public long SightingsDropped { get; private set; }

    /// <summary>
    /// A peer the results report (the filter let it through: new, or stronger evidence). False when the
    /// table is full and cannot track it (counted in <see cref="Untracked"/>).
    /// </summary>
    public bool Discovered(PeerDiscovered peer)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_peers, peer.Address);
        if (!Unsafe.IsNullRef(ref entry))
        {
            // Stronger evidence for a tracked address: the same peer proven, or a new identity there.
            var was = entry.Evidence;
            if (entry.NodeId == peer.NodeId && entry.Port == peer.Port)
                entry.Heard(peer.Time, peer.How, peer.Authenticated);
            else
                entry = Entry.First(peer.NodeId, peer.Port, peer.How, peer.Authenticated, peer.Time);
            Regraded(peer.Address, was, entry.Evidence);
            return true;
        }

        return Track(peer.Address, Entry.First(peer.NodeId, peer.Port, peer.How, peer.Authenticated, peer.Time));
    }

    /// <summary>A repeat sighting: what to report now (a <see cref="PeerSeen"/> when due, a <see cref="PeerDiscovered"/> for a peer back or changed), or null.</summary>
    public DiscoveryEvent? Heard(PeerHeard heard)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_peers, heard.Address);
        if (Unsafe.IsNullRef(ref entry))
        {
            // Expired (or never tracked): back as a new peer, if there is room for it.
            if (!Track(heard.Address, Entry.First(heard.NodeId, heard.Port, heard.How, heard.Authenticated, heard.Time), counted: false))
            {
                SightingsDropped++;
                return null;
            }

            return heard.AsDiscovered();
        }

        var grade = PeerEvidenceOf.Grade(heard.How, heard.Authenticated);
        if (entry.NodeId != heard.NodeId || entry.Port != heard.Port)
        {
            // Anyone can send an unsolicited announce from a peer's address: only proven evidence as
            // strong as the peer's replaces it.
            if (grade < entry.Evidence || grade == PeerEvidence.Unproven)
            {
                SightingsDropped++;
                return null;
            }

            var was = entry.Evidence;
            entry = Entry.First(heard.NodeId, heard.Port, heard.How, heard.Authenticated, heard.Time);
            Regraded(heard.Address, was, entry.Evidence);
            return heard.AsDiscovered();
        }

        if (grade == PeerEvidence.Unproven && entry.Evidence > PeerEvidence.Unproven)
        {
            // A forgeable sighting of a proven peer: it neither keeps the peer alive nor changes it.
            SightingsDropped++;
            return null;
        }

        var before = entry.Evidence;
        entry.Heard(heard.Time, heard.How, heard.Authenticated);
        Regraded(heard.Address, before, entry.Evidence);
        if (heard.Time - entry.LastReported < _seenInterval)
            return null;
        return Seen(heard.Address, ref entry, heard.Time);
    }

    /// <summary>
    /// Reports the sightings held back by the interval that are now due, and expires the peers unheard
    /// for the expiry, on the table's clock. Walks every peer: call it about once a second.
    /// </summary>
    public void Tick(Action<DiscoveryEvent> emit)
    {
        var now = _time.GetUtcNow();
        foreach (var (address, _) in _peers)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_peers, address);
            if (now - entry.LastSeen >= _expiry)
            {
                _expired.Add(address);
                emit(new PeerExpired(now, address, entry.NodeId, entry.FirstSeen, entry.LastSeen));
            }
            else if (entry.Pending && now - entry.LastReported >= _seenInterval)
            {
                emit(Seen(address, ref entry, now));
            }
        }

        foreach (var address in _expired)
        {
            if (_peers.Remove(address, out var gone) && gone.Evidence == PeerEvidence.Unproven)
                _unproven--;
        }

        _expired.Clear();

        // The order queue keeps addresses that left or were proven since (skipped when evicting): past
        // twice the unproven peers, it is rebuilt from the table, so its memory follows the table's.
        if (_unprovenOrder.Count > (2 * _unproven) + 64)
        {
            var keep = _unprovenOrder.Count;
            for (var i = 0; i < keep; i++)
            {
                var address = _unprovenOrder.Dequeue();
                if (IsUnproven(address) && _kept.Add(address))
                    _unprovenOrder.Enqueue(address);
            }

            _kept.Clear();
        }
    }

    /// <summary>
    /// Adds a new entry when there is room, or when the table is full and the entry's evidence is proven,
    /// in place of the oldest unproven peer (which becomes untracked). False, counted in
    /// <see cref="Untracked"/> when <paramref name="counted"/>, when there is no room.
    /// </summary>
    private bool Track(UInt128 address, Entry entry, bool counted = true)
    {
        if (_peers.Count >= _capacity && !(entry.Evidence > PeerEvidence.Unproven && EvictUnproven()))
        {
            if (counted)
                Untracked++;
            return false;
        }

        _peers.Add(address, entry);
        Regraded(address, PeerEvidence.None, entry.Evidence);
        return true;
    }

    private bool EvictUnproven()
    {
        while (_unprovenOrder.TryDequeue(out var address))
        {
            if (!IsUnproven(address))
                continue; // gone or proven since it was queued
            _peers.Remove(address);
            _unproven--;
            Untracked++; // reported, and no PeerSeen or PeerExpired will follow for it now
            return true;
        }

        return false;
    }

    private bool IsUnproven(UInt128 address) =>
        _peers.TryGetValue(address, out var entry) && entry.Evidence == PeerEvidence.Unproven;

    /// <summary>Keeps the count and the order of unproven entries as an entry's evidence changes (None: new).</summary>
    private void Regraded(UInt128 address, PeerEvidence was, PeerEvidence now)
    {
        if (was == now)
            return;
        if (was == PeerEvidence.Unproven)
            _unproven--;
        if (now == PeerEvidence.Unproven)
        {
            _unproven++;
            _unprovenOrder.Enqueue(address);
        }
    }

    private static PeerSeen Seen(UInt128 address, ref Entry entry, DateTimeOffset now)
    {
        entry.LastReported = now;
        entry.Pending = false;
        return new PeerSeen(now, address, entry.NodeId, entry.Port, entry.How, entry.Authenticated, entry.FirstSeen, entry.LastSeen, entry.Sightings);
    }

    private struct Entry
    {
        public NodeId NodeId;
        public ushort Port;
        public PeerDiscoveryMethod How;
        public bool Authenticated;
        public PeerEvidence Evidence; // the strongest heard for this identity
        public DateTimeOffset FirstSeen;
        public DateTimeOffset LastSeen;
        public DateTimeOffset LastReported; // its PeerDiscovered or last PeerSeen
        public ulong Sightings;
        public bool Pending; // heard since LastReported

        public static Entry First(NodeId nodeId, ushort port, PeerDiscoveryMethod how, bool authenticated, DateTimeOffset time) => new()
        {
            NodeId = nodeId,
            Port = port,
            How = how,
            Authenticated = authenticated,
            Evidence = PeerEvidenceOf.Grade(how, authenticated),
            FirstSeen = time,
            LastSeen = time,
            LastReported = time,
            Sightings = 1,
        };

        public void Heard(DateTimeOffset time, PeerDiscoveryMethod how, bool authenticated)
        {
            if (time > LastSeen)
                LastSeen = time;
            How = how;
            Authenticated = authenticated;
            var evidence = PeerEvidenceOf.Grade(how, authenticated);
            if (evidence > Evidence)
                Evidence = evidence;
            Sightings++;
            Pending = true;
        }
    }
}
