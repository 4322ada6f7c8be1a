using Microsoft.Extensions.Time.Testing;
using Widescan.Contracts;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The run's peer table on a fake clock: first and last seen, one PeerSeen per interval (the rest held
/// for the tick), expiry and the return after it, a new identity, and the bound.
/// </summary>
public sealed class PeerTableTests
{
    private static readonly UInt128 A = Ipv6Address.Parse("2001:db8::a");
    private static readonly UInt128 B = Ipv6Address.Parse("2001:db8::b");
    private static readonly NodeId IdA = NodeId.Parse("0000000000000000000000000000000a");
    private static readonly NodeId IdB = NodeId.Parse("0000000000000000000000000000000b");

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Test]
    public void A_peer_heard_again_is_seen_at_most_once_per_interval_with_first_and_last_seen()
    {
        var table = Table(seen: TimeSpan.FromSeconds(60));
        var first = _clock.GetUtcNow();
        Assert.That(table.Discovered(Found(A, IdA)), Is.True);

        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.That(table.Heard(Heard(A, IdA)), Is.Null, "inside the interval: held back");
        _clock.Advance(TimeSpan.FromSeconds(20));
        var held = _clock.GetUtcNow();
        Assert.That(table.Heard(Heard(A, IdA)), Is.Null);
        var events = Tick(table);
        Assert.That(events, Is.Empty, "the tick holds it too until the interval has passed");

        _clock.Advance(TimeSpan.FromSeconds(31)); // 61 s after the discovery
        events = Tick(table);
        var seen = events.OfType<PeerSeen>().Single();
        Assert.Multiple(() =>
        {
            Assert.That((seen.Address, seen.NodeId, seen.FirstSeen, seen.LastSeen, seen.Sightings), Is.EqualTo((A, IdA, first, held, 3UL)),
                "the tick reports the held sighting: first, last, and the three sightings");
            Assert.That(seen.Time, Is.EqualTo(_clock.GetUtcNow()));
            Assert.That(Tick(table), Is.Empty, "nothing new heard: nothing more");
        });

        _clock.Advance(TimeSpan.FromSeconds(60));
        var now = table.Heard(Heard(A, IdA, PeerDiscoveryMethod.ProbedUs, authenticated: true)) as PeerSeen;
        Assert.That(now, Is.Not.Null, "a sighting past the interval is reported at once");
        Assert.That((now!.LastSeen, now.Sightings, now.How), Is.EqualTo((_clock.GetUtcNow(), 4UL, PeerDiscoveryMethod.ProbedUs)));
    }

    [Test]
    public void An_interval_of_zero_reports_every_sighting()
    {
        var table = Table(seen: TimeSpan.Zero);
        table.Discovered(Found(A, IdA));
        var seen = new List<DiscoveryEvent?>();
        for (var i = 0; i < 3; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            seen.Add(table.Heard(Heard(A, IdA)));
        }

        Assert.That(seen.Select(e => (e as PeerSeen)?.Sightings), Is.EqualTo(new ulong?[] { 2, 3, 4 }));
    }

    [Test]
    public void A_peer_unheard_for_the_expiry_expires_once_and_a_later_sighting_discovers_it_again()
    {
        var table = Table(seen: TimeSpan.FromSeconds(60), expiry: TimeSpan.FromMinutes(10));
        var first = _clock.GetUtcNow();
        table.Discovered(Found(A, IdA));
        table.Discovered(Found(B, IdB));
        _clock.Advance(TimeSpan.FromMinutes(5));
        var last = _clock.GetUtcNow();
        Assert.That(table.Heard(Heard(A, IdA)), Is.TypeOf<PeerSeen>());

        _clock.Advance(TimeSpan.FromMinutes(9)); // A: 9 min unheard; B: 14 min
        var events = Tick(table);
        Assert.That(events.Select(e => (e.GetType().Name, e is PeerExpired x ? x.Address : 0)), Is.EqualTo(new[] { (nameof(PeerExpired), B) }), "only B is past the expiry");

        _clock.Advance(TimeSpan.FromMinutes(1));
        var expired = Tick(table).OfType<PeerExpired>().Single();
        Assert.That((expired.Address, expired.NodeId, expired.FirstSeen, expired.LastSeen), Is.EqualTo((A, IdA, first, last)));
        Assert.That(table.Count, Is.Zero);
        Assert.That(Tick(table), Is.Empty, "expired once");

        _clock.Advance(TimeSpan.FromSeconds(5));
        var back = table.Heard(Heard(A, IdA, PeerDiscoveryMethod.Announced));
        Assert.That(back, Is.TypeOf<PeerDiscovered>(), "heard after it expired: a new peer");
        Assert.That(((PeerDiscovered)back!).How, Is.EqualTo(PeerDiscoveryMethod.Announced));
        _clock.Advance(TimeSpan.FromSeconds(61));
        var again = (PeerSeen)table.Heard(Heard(A, IdA))!;
        Assert.That((again.FirstSeen, again.Sightings), Is.EqualTo((back.Time, 2UL)), "its first sighting is the return");
    }

    [Test]
    public void A_new_identity_at_a_peers_address_is_a_new_peer_only_on_evidence_as_strong()
    {
        var table = Table(seen: TimeSpan.Zero);
        table.Discovered(Found(A, IdA, PeerDiscoveryMethod.AnsweredProbe));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(table.Heard(Heard(A, IdB, PeerDiscoveryMethod.Announced)), Is.Null, "an unsolicited announce does not replace a peer that answered our probe");
        Assert.That(table.SightingsDropped, Is.EqualTo(1));
        Assert.That(table.Heard(Heard(A, IdA, PeerDiscoveryMethod.Announced)), Is.Null, "the peer itself on forgeable evidence: not refreshed by it");
        Assert.That(table.SightingsDropped, Is.EqualTo(2));
        Assert.That(table.Heard(Heard(A, IdA, PeerDiscoveryMethod.Announced, authenticated: true)), Is.TypeOf<PeerSeen>(), "heard weaker but authenticated, it is still seen");

        _clock.Advance(TimeSpan.FromSeconds(1));
        var changed = table.Heard(Heard(A, IdB, PeerDiscoveryMethod.AnsweredProbe, port: 4001));
        Assert.That(changed, Is.TypeOf<PeerDiscovered>());
        Assert.That(((PeerDiscovered)changed!).NodeId, Is.EqualTo(IdB));
        _clock.Advance(TimeSpan.FromSeconds(1));
        var seen = (PeerSeen)table.Heard(Heard(A, IdB, PeerDiscoveryMethod.AnsweredProbe, port: 4001))!;
        Assert.That((seen.NodeId, seen.Port, seen.FirstSeen, seen.Sightings), Is.EqualTo((IdB, (ushort)4001, changed.Time, 2UL)), "the new identity's own first seen");
    }

    [Test]
    public void A_full_table_still_reports_new_peers_and_counts_what_it_cannot_track()
    {
        var table = Table(seen: TimeSpan.Zero, capacity: 1);
        Assert.That(table.Discovered(Found(A, IdA)), Is.True);
        Assert.That(table.Discovered(Found(B, IdB)), Is.False, "B is reported (by the run) but not tracked");
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(table.Heard(Heard(B, IdB)), Is.Null, "no PeerSeen of an untracked peer, and no second discovery");
        Assert.That((table.Untracked, table.SightingsDropped, table.Count), Is.EqualTo((1L, 1L, 1)));

        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.That(Tick(table).OfType<PeerExpired>().Single().Address, Is.EqualTo(A));
        Assert.That(table.Heard(Heard(B, IdB)), Is.TypeOf<PeerDiscovered>(), "with room again, B is tracked from its next sighting");
    }

    private PeerTable Table(TimeSpan seen, TimeSpan? expiry = null, int capacity = 100) =>
        new(seen, expiry ?? TimeSpan.FromMinutes(10), capacity, _clock);

    private PeerDiscovered Found(UInt128 address, NodeId id, PeerDiscoveryMethod how = PeerDiscoveryMethod.AnsweredProbe) =>
        new(_clock.GetUtcNow(), address, id, 4000, how, false, ReadOnlyMemory<byte>.Empty, null);

    private PeerHeard Heard(UInt128 address, NodeId id, PeerDiscoveryMethod how = PeerDiscoveryMethod.AnsweredProbe, ushort port = 4000, bool authenticated = false) =>
        new(_clock.GetUtcNow(), address, id, port, how, authenticated, ReadOnlyMemory<byte>.Empty, null);

    private static List<DiscoveryEvent> Tick(PeerTable table)
    {
        var events = new List<DiscoveryEvent>();
        table.Tick(events.Add);
        return events;
    }
}
