using Widescan.Contracts;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Discovery;

/// <summary>A Widescan node answers a probe twice (kernel echo, then announce): it must be one peer, not also alive.</summary>
public sealed class ResultFilterTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;
    private static readonly UInt128 Plain = Ipv6Address.Parse("2001:db8::1");
    private static readonly UInt128 Node = Ipv6Address.Parse("2001:db8::2");

    [Test]
    public void A_live_host_waits_out_the_grace_and_an_announce_within_it_makes_it_a_peer_only()
    {
        var filter = new ResultFilter(TimeSpan.FromSeconds(1));
        var out_ = new List<DiscoveryEvent>();
        filter.Offer(new HostAlive(T0, Plain, TimeSpan.Zero), out_.Add);
        filter.Offer(new HostAlive(T0, Node, TimeSpan.Zero), out_.Add);
        filter.Release(T0.AddMilliseconds(500), out_.Add);
        Assert.That(out_, Is.Empty, "nothing before the grace ends");

        filter.Offer(Peer(T0.AddMilliseconds(600), Node), out_.Add);
        filter.Release(T0.AddSeconds(2), out_.Add);
        filter.Offer(new HostAlive(T0.AddSeconds(3), Node, TimeSpan.Zero), out_.Add);
        filter.ReleaseAll(out_.Add);

        Assert.That(out_.Select(e => (e.GetType().Name, e is HostAlive a ? a.Address : ((PeerDiscovered)e).Address)),
            Is.EqualTo(new[] { ("PeerDiscovered", Node), ("HostAlive", Plain) }));
    }

    [Test]
    public void A_peer_is_reported_once()
    {
        var filter = new ResultFilter(TimeSpan.FromSeconds(1));
        var out_ = new List<DiscoveryEvent>();
        filter.Offer(Peer(T0, Node), out_.Add);
        filter.Offer(Peer(T0.AddSeconds(1), Node), out_.Add);
        Assert.That(out_, Has.Count.EqualTo(1));
    }

    [TestCase(PeerDiscoveryMethod.Announced, false, true)]
    [TestCase(PeerDiscoveryMethod.ProbedUs, false, true)]
    [TestCase(PeerDiscoveryMethod.AnsweredProbe, false, false)]
    [TestCase(PeerDiscoveryMethod.Announced, true, true)]
    [TestCase(PeerDiscoveryMethod.ProbedUs, true, true)]
    public void Only_a_proven_announce_hides_the_live_host_at_its_address(PeerDiscoveryMethod how, bool authenticated, bool aliveStays)
    {
        // An unsolicited announce may come from a spoofed source (unkeyed, anyone; keyed, a key holder):
        // 1,000 such forgeries hid 950 real hosts. It is reported, but the host that answered our probe
        // stays alive; only an answer to our probe (this run's tag) claims the address.
        var filter = new ResultFilter(TimeSpan.FromSeconds(1));
        var out_ = new List<DiscoveryEvent>();
        filter.Offer(new HostAlive(T0, Node, TimeSpan.Zero), out_.Add);
        filter.Offer(Peer(T0.AddMilliseconds(10), Node, how, authenticated), out_.Add);
        filter.ReleaseAll(out_.Add);
        Assert.That(out_.OfType<PeerDiscovered>().Count(), Is.EqualTo(1), "the announce is reported");
        Assert.That(out_.OfType<HostAlive>().Any(), Is.EqualTo(aliveStays));
    }

    [Test]
    public void A_weak_claim_that_came_first_does_not_shut_out_the_answer_to_our_probe()
    {
        // A spoofed unauthenticated announce for a node's address arrives before the scan reaches it;
        // the node's real answer (tag-proven, with its round trip) must still be reported, and claims
        // the address.
        var filter = new ResultFilter(TimeSpan.FromSeconds(1));
        var out_ = new List<DiscoveryEvent>();
        filter.Offer(Peer(T0, Node, PeerDiscoveryMethod.Announced), out_.Add);
        filter.Offer(new HostAlive(T0.AddSeconds(5), Node, TimeSpan.Zero), out_.Add);
        filter.Offer(Peer(T0.AddSeconds(5.1), Node, PeerDiscoveryMethod.AnsweredProbe), out_.Add);
        filter.Offer(Peer(T0.AddSeconds(6), Node, PeerDiscoveryMethod.Announced), out_.Add);
        filter.ReleaseAll(out_.Add);
        var peers = out_.OfType<PeerDiscovered>().ToList();
        Assert.That(peers.Select(p => p.How), Is.EqualTo(new[] { PeerDiscoveryMethod.Announced, PeerDiscoveryMethod.AnsweredProbe }));
        Assert.That(peers[1].RoundTrip, Is.Not.Null);
        Assert.That(out_.OfType<HostAlive>(), Is.Empty, "the answer claims the address");
    }

    [Test]
    public void An_error_drops_a_pending_live_host_of_its_target_and_counts_it()
    {
        var counters = new DiscoveryCounters();
        var filter = new ResultFilter(TimeSpan.FromSeconds(1), counters);
        var out_ = new List<DiscoveryEvent>();
        var router = Ipv6Address.Parse("2001:db8:ff::1");
        filter.Offer(new HostAlive(T0, Node, TimeSpan.Zero), out_.Add);
        filter.Offer(new HostAlive(T0, Plain, TimeSpan.Zero), out_.Add);
        filter.Offer(new TargetUnreachable(T0.AddMilliseconds(200), Node, router, 1, 0), out_.Add);
        filter.ReleaseAll(out_.Add);

        Assert.That(out_.Select(e => e.GetType().Name), Is.EqualTo(new[] { "TargetUnreachable", "HostAlive" }));
        Assert.That(((TargetUnreachable)out_[0]).Address, Is.EqualTo(Node));
        Assert.That(((HostAlive)out_[1]).Address, Is.EqualTo(Plain), "another host is untouched");
        Assert.That(filter.UnreachableReported, Is.EqualTo(1));
        Assert.That((filter.AliveOverruled, counters.AliveOverruled), Is.EqualTo((1L, 1L)), "the dropped live host is counted, not lost silently");
    }

    [Test]
    public void A_host_claimed_by_a_peer_is_the_peer_even_when_an_error_names_it_too()
    {
        var filter = new ResultFilter(TimeSpan.FromSeconds(1));
        var out_ = new List<DiscoveryEvent>();
        filter.Offer(new HostAlive(T0, Node, TimeSpan.Zero), out_.Add);
        filter.Offer(Peer(T0.AddMilliseconds(10), Node), out_.Add);
        filter.Offer(new TargetUnreachable(T0.AddMilliseconds(20), Node, Ipv6Address.Parse("2001:db8:ff::1"), 1, 0), out_.Add);
        filter.ReleaseAll(out_.Add);
        Assert.That(out_.Select(e => e.GetType().Name), Is.EqualTo(new[] { "PeerDiscovered", "TargetUnreachable" }));
        Assert.That(filter.AliveOverruled, Is.Zero, "reported, as a peer: not overruled");
    }

    private static PeerDiscovered Peer(DateTimeOffset time, UInt128 address, PeerDiscoveryMethod how = PeerDiscoveryMethod.AnsweredProbe, bool authenticated = false) =>
        new(time, address, new NodeId(7), 4000, how, authenticated, ReadOnlyMemory<byte>.Empty, how == PeerDiscoveryMethod.AnsweredProbe ? TimeSpan.FromMilliseconds(1) : null);
}
