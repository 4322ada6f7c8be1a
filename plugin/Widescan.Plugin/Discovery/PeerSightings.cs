using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Widescan.Contracts;
using Widescan.Plugin.Probing;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The listener's per-source record of peers and scanners: reports each address once per grade of
/// evidence (<see cref="PeerEvidence"/>, strongest last), each scanner once, and hands on a repeat
/// sighting of a reported peer at most once per <see cref="ListenerRun.RepeatGap"/> (<see cref="PeerHeard"/>).
/// It is what a flood of spoofed sources aims at, so it is bounded (docs/wire-format.md, "Threat model"):
/// <list type="bullet">
/// <item>A new unproven source (unauthenticated and unsolicited: anyone can spoof it) is admitted only
/// within the <see cref="UnsolicitedBudget"/> and while fewer than <c>capacity</c>
/// (<see cref="WidescanOptions.MaxTrackedPeers"/>) unproven addresses are held; the rest are refused and
/// counted (<see cref="Refused"/>, <see cref="OverBound"/>). Memory is one entry per reported address:
/// at most <c>capacity</c> unproven ones, plus the proven ones (answers to our probes, which grow with
/// the responders of the plan, and key holders' messages, which no outsider can forge).</item>
/// <item>A spoofable sighting (unproven) of a peer proven stronger is not handed on: it would keep a
/// departed peer alive, and it would take the peer's one sighting a second, so that the peer's own went
/// unheard and it expired. Counted in <see cref="RepeatsDropped"/>.</item>
/// </list>
/// Nothing is allocated per packet but the events it reports. Not thread-safe: the listener's receiving
/// thread owns it (and the stopping thread, once that has ended).
/// </summary>
internal sealed class PeerSightings
{
    private readonly Dictionary<UInt128, Known> _known = [];
    private readonly UnsolicitedBudget _budget;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly DiscoveryCounters? _counters;
    private int _unproven;

    /// <summary>A record that holds at most <paramref name="capacity"/> unproven addresses, on <paramref name="time"/>.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="capacity">The most unproven addresses held (<see cref="WidescanOptions.MaxTrackedPeers"/>).</param>
    /// <param name="counters">Where refusals and dropped sightings are counted as they happen (the run's); none in tests.</param>
    public PeerSightings(TimeProvider time, int capacity, DiscoveryCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        _capacity = capacity;
        _counters = counters;
        _budget = new UnsolicitedBudget(time);
    }

    /// <summary>Called once, with the capacity, the first time a source is refused for the bound (the run logs it then).</summary>
    public Action<int>? BoundReached { get; set; }

    /// <summary>The most unproven addresses held.</summary>
    public int Capacity => _capacity;

    /// <summary>Addresses held (reported peers and scanners).</summary>
    public int Count => _known.Count;

    /// <summary>Unproven addresses held (at most <see cref="Capacity"/>).</summary>
    public int Unproven => _unproven;

    /// <summary>Unproven messages from new sources refused, for the budget or the bound (one per message).</summary>
    public long Refused => _budget.Refused + OverBound;

    /// <summary>Of <see cref="Refused"/>, those refused because <see cref="Capacity"/> unproven addresses were held.</summary>
    public long OverBound { get; private set; }

    /// <summary>Unproven sightings of peers proven stronger, not handed on.</summary>
    public long RepeatsDropped { get; private set; }

    /// <summary>The budget's refusals alone (its limits are in <see cref="UnsolicitedBudget"/>).</summary>
    public long RefusedByBudget => _budget.Refused;

    /// <summary>An announce (<see cref="PacketKind.PeerDiscovered"/>): reported when its evidence is new for its address, else a repeat.</summary>
    /// <param name="c">The classification.</param>
    /// <param name="bytes">The bytes classified (the application data is a slice of them).</param>
    /// <param name="emit">Where the events go.</param>
    public void Announce(in Classification c, ReadOnlySpan<byte> bytes, Action<DiscoveryEvent> emit)
    {
        var how = c.AnsweredProbe ? PeerDiscoveryMethod.AnsweredProbe : PeerDiscoveryMethod.Announced;
        var evidence = PeerEvidenceOf.Grade(how, c.Authenticated);
        ref var known = ref CollectionsMarshal.GetValueRefOrNullRef(_known, c.Source);
        bool exists = !Unsafe.IsNullRef(ref known);
        if (exists && known.Evidence >= evidence)
        {
            Repeat(ref known, c, how, bytes, emit);
            return;
        }

        if (!exists && !Admit(c.Source, evidence))
            return;
        Raise(c.Source, evidence, scanner: false);
        emit(new PeerDiscovered(_time.GetUtcNow(), c.Source, c.NodeId, c.Port, how, c.Authenticated,
            c.Data(bytes).ToArray(), c.AnsweredProbe ? c.RoundTrip : null));
    }

    /// <summary>A probe to one of our addresses (<see cref="PacketKind.ProbeReceived"/>): the scanner reported once (and as a peer when that is new evidence), else a repeat.</summary>
    /// <param name="c">The classification.</param>
    /// <param name="answered">Whether the responder answered it.</param>
    /// <param name="emit">Where the events go.</param>
    public void Probe(in Classification c, bool answered, Action<DiscoveryEvent> emit)
    {
        var evidence = PeerEvidenceOf.Grade(PeerDiscoveryMethod.ProbedUs, c.Authenticated);
        ref var known = ref CollectionsMarshal.GetValueRefOrNullRef(_known, c.Source);
        bool exists = !Unsafe.IsNullRef(ref known);
        if (exists && known.Scanner)
        {
            Repeat(ref known, c, PeerDiscoveryMethod.ProbedUs, default, emit);
            return;
        }

        // A first probe from an address is an unsolicited message: unauthenticated, it takes from the
        // budget even when the address announced before (and, new, from the bound).
        if (!c.Authenticated && !(exists ? Counted(_budget.Admit(c.Source)) : Admit(c.Source, evidence)))
        {
            if (exists)
                Repeat(ref known, c, PeerDiscoveryMethod.ProbedUs, default, emit);
            return;
        }

        var now = _time.GetUtcNow();
        emit(new ProbeReceived(now, c.Source, c.NodeId, answered));
        bool stronger = !exists || known.Evidence < evidence;
        Raise(c.Source, evidence, scanner: true);
        if (stronger)
            emit(new PeerDiscovered(now, c.Source, c.NodeId, c.Port, PeerDiscoveryMethod.ProbedUs, c.Authenticated, ReadOnlyMemory<byte>.Empty, null));
    }

    /// <summary>
    /// Whether an announce left in the socket at the end would have been a first report (an answer lost),
    /// counting it as reported so that a second copy is not a second loss. An unproven one is counted
    /// only if the bound and the budget would have admitted it: a flood left in the queue is no loss.
    /// </summary>
    public bool WouldReport(in Classification c)
    {
        var evidence = PeerEvidenceOf.Grade(c.AnsweredProbe ? PeerDiscoveryMethod.AnsweredProbe : PeerDiscoveryMethod.Announced, c.Authenticated);
        if (_known.ContainsKey(c.Source) || !Admit(c.Source, evidence))
            return false;
        Raise(c.Source, evidence, scanner: false);
        return true;
    }

    private bool Admit(UInt128 source, PeerEvidence evidence)
    {
        if (evidence != PeerEvidence.Unproven)
            return true;
        if (_unproven >= _capacity)
        {
            // The bound first: a refused source must not spend the budget's tokens.
            if (OverBound++ == 0)
                BoundReached?.Invoke(_capacity);
            return Counted(false);
        }

        return Counted(_budget.Admit(source));
    }

    private bool Counted(bool admitted)
    {
        if (!admitted)
            _counters?.AddUnsolicitedRefused(1);
        return admitted;
    }

    private void Raise(UInt128 address, PeerEvidence evidence, bool scanner)
    {
        ref var known = ref CollectionsMarshal.GetValueRefOrAddDefault(_known, address, out bool existed);
        if (!existed || known.Evidence < evidence)
        {
            if (existed && known.Evidence == PeerEvidence.Unproven)
                _unproven--;
            if (evidence == PeerEvidence.Unproven)
                _unproven++;
            known.Evidence = evidence;
        }

        known.Scanner |= scanner;
        known.RepeatAt = _time.GetTimestamp();
    }

    /// <summary>
    /// A reported peer heard again: handed on as a <see cref="PeerHeard"/> when its last one is
    /// <see cref="ListenerRun.RepeatGap"/> old; otherwise nothing, and nothing is allocated. A spoofable
    /// sighting of a peer proven stronger is dropped (counted) before it can take the peer's slot.
    /// </summary>
    private void Repeat(ref Known known, in Classification c, PeerDiscoveryMethod how, ReadOnlySpan<byte> bytes, Action<DiscoveryEvent> emit)
    {
        if (known.Evidence > PeerEvidence.Unproven && PeerEvidenceOf.Grade(how, c.Authenticated) == PeerEvidence.Unproven)
        {
            RepeatsDropped++;
            _counters?.AddSightingsDropped(1);
            return;
        }

        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(known.RepeatAt, now) < ListenerRun.RepeatGap)
            return;
        known.RepeatAt = now;
        emit(new PeerHeard(_time.GetUtcNow(), c.Source, c.NodeId, c.Port, how, c.Authenticated,
            how == PeerDiscoveryMethod.ProbedUs ? ReadOnlyMemory<byte>.Empty : c.Data(bytes).ToArray(),
            how == PeerDiscoveryMethod.AnsweredProbe ? c.RoundTrip : null));
    }

    private struct Known
    {
        public PeerEvidence Evidence; // the strongest reported for the address
        public bool Scanner; // its ProbeReceived was reported
        public long RepeatAt; // when a sighting was last handed on (timestamp)
    }
}
