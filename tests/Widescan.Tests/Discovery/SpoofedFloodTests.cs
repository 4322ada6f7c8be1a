using Widescan.Contracts;
using Widescan.Plugin.Discovery;
using Widescan.Plugin.Probing;
using Widescan.Tests.Probing;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The attacker of docs/architecture.md's threat model against a long-lived listener: arbitrary ICMPv6
/// from as many spoofed sources as he likes, no network key. Drives the listener's per-source record
/// (<see cref="PeerSightings"/>) and the pump's <see cref="PeerTable"/> as the run joins them, on a
/// hand-moved clock: what he sends must leave their memory at its bound, be counted when refused, and
/// neither hide nor fake a peer proven stronger.
/// </summary>
public sealed class SpoofedFloodTests
{
    private static readonly UInt128 Spoofed = Ipv6Address.Parse("2001:db8:4000::1");
    private static readonly UInt128 Proven = Ipv6Address.Parse("2001:db8:7::50");
    private static readonly NodeId ProvenId = NodeId.Parse("000000000000000000000000000000a1");

    /// <summary>The run's two stages: the listener's record, then the pump's table (DiscoveryRun.Emit).</summary>
    private sealed class Pipeline
    {
        public Pipeline(ManualClock clock, int capacity, int tableCapacity = 65_536)
        {
            Clock = clock;
            Sightings = new PeerSightings(clock, capacity, Counters) { BoundReached = _ => BoundWarnings++ };
            Table = new PeerTable(TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(10), tableCapacity, clock);
            _emit = Emit;
        }

        private readonly Action<DiscoveryEvent> _emit;

        public ManualClock Clock { get; }

        public DiscoveryCounters Counters { get; } = new();

        public PeerSightings Sightings { get; }

        public PeerTable Table { get; }

        public int BoundWarnings { get; private set; }

        public List<DiscoveryEvent> Reported { get; } = [];

        public void Announce(UInt128 source, NodeId id, bool answered = false, bool authenticated = false) =>
            Sightings.Announce(Message(PacketKind.PeerDiscovered, source, id, answered, authenticated), default, _emit);

        public void Announce(in Classification c, ReadOnlySpan<byte> bytes) => Sightings.Announce(c, bytes, _emit);

        public void Probe(UInt128 source, NodeId id) =>
            Sightings.Probe(Message(PacketKind.ProbeReceived, source, id, false, false), false, _emit);

        public void Tick() => Table.Tick(Reported.Add);

        private void Emit(DiscoveryEvent e)
        {
            switch (e)
            {
                case PeerHeard heard:
                    if (Table.Heard(heard) is { } said)
                        Reported.Add(said);
                    return;
                case PeerDiscovered peer:
                    Table.Discovered(peer);
                    break;
            }

            Reported.Add(e);
        }
    }

    private static Classification Message(PacketKind kind, UInt128 source, NodeId id, bool answered, bool authenticated) => new()
    {
        Kind = kind,
        Source = source,
        Destination = WireTestData.Us,
        NodeId = id,
        Port = 4000,
        AnsweredProbe = answered,
        Authenticated = authenticated,
    };

    private static NodeId Id(long i) => new((UInt128)(ulong)i + 1);

    [Test]
    public void A_million_spoofed_sources_over_hours_leave_the_listener_at_its_bound_and_are_counted()
    {
        // Each source in its own /64, 100 a second for 10,000 s: the budget alone (4,096 at once, one a
        // second after that) would let ~14,000 in; the bound holds the record at 10,000.
        const int capacity = 10_000;
        var run = new Pipeline(WireTestData.Clock(), capacity);
        for (var i = 0; i < 1_000_000; i++)
        {
            if (i % 100 == 0)
                run.Clock.Advance(TimeSpan.FromSeconds(1));
            run.Announce(Spoofed + ((UInt128)(uint)i << 64), Id(i));
        }

        var reported = run.Reported.OfType<PeerDiscovered>().Count();
        Assert.Multiple(() =>
        {
            Assert.That(run.Sightings.Count, Is.EqualTo(capacity), "memory: one entry per admitted source, at the bound");
            Assert.That(run.Sightings.Unproven, Is.EqualTo(capacity));
            Assert.That(reported, Is.EqualTo(capacity), "each admitted source reported once");
            Assert.That(run.Sightings.Refused, Is.EqualTo(1_000_000 - capacity), "every other message counted");
            Assert.That(run.Sightings.OverBound, Is.GreaterThan(0), "the bound, not only the budget, refused some");
            Assert.That(run.Counters.UnsolicitedRefused, Is.EqualTo(run.Sightings.Refused), "the run's counter says it as it happens");
            Assert.That(run.BoundWarnings, Is.EqualTo(1), "the bound is said once");
            Assert.That(run.Table.Count, Is.LessThanOrEqualTo(capacity));
        });

        // A flood left in the socket at the end is no lost answer: refused as it would have been.
        Assert.That(run.Sightings.WouldReport(Message(PacketKind.PeerDiscovered, Spoofed + ((UInt128)2_000_000u << 64), Id(1), false, false)), Is.False);
    }

    [Test]
    public void Probes_from_spoofed_sources_are_bounded_like_announces()
    {
        const int capacity = 1_000;
        var run = new Pipeline(WireTestData.Clock(), capacity);
        for (var i = 0; i < 100_000; i++)
        {
            if (i % 10 == 0)
                run.Clock.Advance(TimeSpan.FromSeconds(1));
            run.Probe(Spoofed + ((UInt128)(uint)i << 64), Id(i));
        }

        Assert.Multiple(() =>
        {
            Assert.That(run.Sightings.Count, Is.EqualTo(capacity));
            Assert.That(run.Reported.OfType<ProbeReceived>().Count(), Is.EqualTo(capacity), "each admitted scanner reported once");
            Assert.That(run.Counters.UnsolicitedRefused, Is.EqualTo(100_000 - capacity));
        });
    }

    [Test]
    public void Refusing_a_flood_and_throttling_repeats_allocate_nothing_per_packet()
    {
        var run = new Pipeline(WireTestData.Clock(), 100);
        for (var i = 0; i < 100; i++)
            run.Announce(Spoofed + (UInt128)(uint)i, Id(i)); // fills the bound (the /64's share runs out first)
        for (var i = 0; i < 4096; i++)
            run.Announce(Spoofed + ((UInt128)(uint)(i + 1) << 64), Id(i));
        Assert.That(run.Sightings.Count, Is.EqualTo(100));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++)
        {
            run.Announce(Spoofed + ((UInt128)(uint)(i + 10_000) << 64), Id(i)); // refused: new source
            run.Announce(Spoofed + (UInt128)(uint)(i % 4), Id(i % 4)); // a known one, inside its second
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(run.Sightings.Refused, Is.GreaterThanOrEqualTo(100_000));
    }

    [Test]
    public void Forged_announces_from_a_proven_peers_address_neither_take_its_sightings_nor_keep_it_alive()
    {
        var run = new Pipeline(WireTestData.Clock(), 1000);
        run.Announce(Proven, ProvenId, answered: true); // it answered our probe: proven
        Assert.That(run.Reported.OfType<PeerDiscovered>().Single().How, Is.EqualTo(PeerDiscoveryMethod.AnsweredProbe));

        // The attacker copies its node id and sends ten a second from its address; the peer answers a
        // probe a second. Every one of the peer's own sightings is handed on.
        for (var s = 0; s < 120; s++)
        {
            for (var k = 0; k < 10; k++)
            {
                run.Clock.Advance(TimeSpan.FromMilliseconds(100));
                run.Announce(Proven, ProvenId);
            }

            run.Announce(Proven, ProvenId, answered: true);
            run.Tick();
        }

        var seen = run.Reported.OfType<PeerSeen>().ToList();
        Assert.That(seen, Is.Not.Empty);
        Assert.That(seen.Last().Sightings, Is.EqualTo(121UL), "the discovery and each of the 120 answers, no forgery among them");
        Assert.That(seen.Select(e => e.How), Is.All.EqualTo(PeerDiscoveryMethod.AnsweredProbe));
        Assert.That(run.Sightings.RepeatsDropped, Is.EqualTo(1200));
        Assert.That(run.Counters.SightingsDropped, Is.EqualTo(1200));

        // The peer goes; the forgeries go on: it still expires, once, on its last real sighting.
        var last = seen.Last().LastSeen;
        for (var s = 0; s < 11 * 60; s++)
        {
            run.Clock.Advance(TimeSpan.FromSeconds(1));
            run.Announce(Proven, ProvenId);
            run.Tick();
        }

        var expired = run.Reported.OfType<PeerExpired>().Single();
        Assert.That((expired.Address, expired.LastSeen), Is.EqualTo((Proven, last)));
    }

    [Test]
    public void Forged_identities_rotated_at_admitted_addresses_do_not_become_a_stream_of_new_peers()
    {
        // 4,096 spoofed sources admitted (the burst), each then claiming a new node id every second for a
        // minute: before the fix, each claim was a PeerDiscovered (4,096 a second, forever).
        var run = new Pipeline(WireTestData.Clock(), 65_536);
        var sources = Enumerable.Range(0, UnsolicitedBudget.Burst).Select(i => Spoofed + ((UInt128)(uint)i << 64)).ToArray();
        foreach (var (source, i) in sources.Select((s, i) => (s, i)))
            run.Announce(source, Id(i));
        var held = run.Reported.OfType<PeerDiscovered>().Select(p => p.Address).ToArray();
        var admitted = held.Length;
        Assert.That(admitted, Is.GreaterThan(UnsolicitedBudget.Burst / 2));

        for (var s = 1; s <= 60; s++)
        {
            run.Clock.Advance(TimeSpan.FromSeconds(1));
            foreach (var (source, i) in held.Select((x, i) => (x, i)))
                run.Announce(source, Id((s * 100_000) + i));
        }

        Assert.That(run.Reported.OfType<PeerDiscovered>().Count(), Is.EqualTo(admitted), "no forged identity reported");
        Assert.That(run.Table.SightingsDropped, Is.EqualTo(admitted * 60L), "each counted");
    }

    [Test]
    public void Proven_peers_are_tracked_and_reported_while_forgeries_fill_the_table()
    {
        // The table of a long-lived listener, full of spoofed peers the attacker keeps fresh.
        var clock = WireTestData.Clock();
        var table = new PeerTable(TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(10), 1000, clock);
        for (var i = 0; i < 1_000_000; i++)
            table.Discovered(new PeerDiscovered(clock.GetUtcNow(), Spoofed + ((UInt128)(uint)i << 64), Id(i), 4000, PeerDiscoveryMethod.Announced, false, default, null));
        Assert.That(table.Count, Is.EqualTo(1000));
        Assert.That(table.Untracked, Is.EqualTo(1_000_000 - 1000));

        var member = Proven + 1;
        Assert.That(table.Discovered(new PeerDiscovered(clock.GetUtcNow(), Proven, ProvenId, 4000, PeerDiscoveryMethod.AnsweredProbe, false, default, null)), Is.True, "an answer to our probe is tracked");
        Assert.That(table.Discovered(new PeerDiscovered(clock.GetUtcNow(), member, Id(7), 4000, PeerDiscoveryMethod.Announced, true, default, null)), Is.True, "a key holder is tracked");
        Assert.That(table.Count, Is.EqualTo(1000), "in place of two forgeries");
        Assert.That(table.Untracked, Is.EqualTo(1_000_000 - 1000 + 2), "the two evicted are counted");

        // Both are seen while the forgeries keep coming, and expire when they go.
        var events = new List<DiscoveryEvent>();
        for (var s = 0; s < 61; s++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            table.Discovered(new PeerDiscovered(clock.GetUtcNow(), Spoofed + ((UInt128)(uint)(2_000_000 + s) << 64), Id(s), 4000, PeerDiscoveryMethod.Announced, false, default, null));
            if (table.Heard(new PeerHeard(clock.GetUtcNow(), Proven, ProvenId, 4000, PeerDiscoveryMethod.AnsweredProbe, false, default, null)) is { } a)
                events.Add(a);
            if (table.Heard(new PeerHeard(clock.GetUtcNow(), member, Id(7), 4000, PeerDiscoveryMethod.Announced, true, default, null)) is { } b)
                events.Add(b);
        }

        Assert.That(events.OfType<PeerSeen>().Select(e => e.Address), Is.EquivalentTo(new[] { Proven, member }));
        clock.Advance(TimeSpan.FromMinutes(11));
        table.Tick(events.Add);
        Assert.That(events.OfType<PeerExpired>().Select(e => e.Address), Is.SupersetOf(new[] { Proven, member }));
    }

    [Test]
    public void With_a_network_key_a_million_unauthenticated_announces_leave_an_authenticated_peer_alone()
    {
        // Through the real classifier: the forgeries (no MAC, from a million sources, some from the
        // peer's own address with its node id) never reach the record; the peer is reported and seen.
        var clock = WireTestData.Clock();
        var classifier = new PacketClassifier(WireTestData.Ours(keyed: true), WireTestData.Tag(), clock);
        var run = new Pipeline(clock, 1000);
        var forger = new AnnounceWriter(WireTestData.Peer(keyed: false), clock);
        var forged = new byte[forger.MessageLength];
        var peer = new AnnounceWriter(WireTestData.Peer(keyed: true), clock);
        var genuine = new byte[peer.MessageLength];

        for (var i = 0; i < 1_000_000; i++)
        {
            if (i % 10_000 == 0)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                peer.WriteUnsolicited(genuine, Proven, WireTestData.Us);
                var real = classifier.ClassifyIcmp(genuine, Proven, WireTestData.Us);
                Assert.That(real.Kind, Is.EqualTo(PacketKind.PeerDiscovered));
                run.Announce(real, genuine);
                run.Tick();
            }

            var source = i % 2 == 0 ? Proven : Spoofed + ((UInt128)(uint)i << 64);
            forger.WriteUnsolicited(forged, source, WireTestData.Us);
            var c = classifier.ClassifyIcmp(forged, source, WireTestData.Us);
            if (c.Kind == PacketKind.PeerDiscovered)
                run.Announce(c, forged);
        }

        clock.Advance(TimeSpan.FromSeconds(61));
        run.Tick(); // the sightings held back by the interval

        Assert.Multiple(() =>
        {
            Assert.That(classifier.Ignored[IgnoreReason.Unauthenticated], Is.EqualTo(1_000_000), "every forgery ignored, and counted");
            Assert.That(run.Sightings.Count, Is.EqualTo(1), "the record holds the peer alone");
            var found = run.Reported.OfType<PeerDiscovered>().Single();
            Assert.That((found.Address, found.Authenticated), Is.EqualTo((Proven, true)));
            Assert.That(run.Reported.OfType<PeerSeen>().Last().Sightings, Is.EqualTo(100UL), "each of its 100 announces");
        });
    }

    [Test]
    public void A_flood_of_spoofed_probes_is_answered_at_most_at_the_responders_rate_and_never_with_more_bytes()
    {
        // A million probes in 10 s, from a million sources, half of them spoofed from one victim's /64
        // (the attacker wants the announces sent there).
        var clock = WireTestData.Clock();
        var policy = new ResponderPolicy(clock);
        var victim = Ipv6Address.Parse("2001:db8:dead:1::");
        long answered = 0, toVictim = 0;
        for (var i = 0; i < 1_000_000; i++)
        {
            clock.Advance(TimeSpan.FromMicroseconds(10));
            var source = i % 2 == 0 ? victim + (UInt128)(uint)i : Spoofed + ((UInt128)(uint)i << 64);
            if (policy.Decide(source, probeLength: 80, announceLength: 80) == ResponderVerdict.Answer)
            {
                answered++;
                toVictim += i % 2 == 0 ? 1 : 0;
            }
        }

        var limits = policy.Limits;
        Assert.Multiple(() =>
        {
            Assert.That(answered, Is.LessThanOrEqualTo((long)(limits.Burst + (limits.PerSecond * 10))), "the node's rate bounds all answers");
            Assert.That(answered, Is.GreaterThan((long)(limits.PerSecond * 5)), "genuine-looking probes are still answered");
            Assert.That(toVictim, Is.LessThanOrEqualTo((long)(limits.PerSourceBurst + (limits.PerSourcePerSecond * 10))), "one /64 gets its share, no more");
            Assert.That(policy.Decide(Spoofed, probeLength: 79, announceLength: 80), Is.EqualTo(ResponderVerdict.TooLarge), "never more bytes than the probe");
        });
    }
}
