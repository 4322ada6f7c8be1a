using Widescan.Contracts;
using Widescan.Plugin.Probing;

namespace Widescan.Tests.Probing;

public class ReplayGuardTests
{
    private static readonly NodeId Node = WireTestData.PeerNode;

    [Test]
    public void FreshOnceThenReplayWhileInsideTheWindow()
    {
        var clock = WireTestData.Clock();
        var guard = new ReplayGuard(clock, TimeSpan.FromSeconds(60));
        Assert.That(guard.Check(Node, 1, WireTestData.Timestamp), Is.EqualTo(Freshness.Fresh));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.That(guard.Check(Node, 1, WireTestData.Timestamp), Is.EqualTo(Freshness.Replay));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(guard.Check(Node, 1, WireTestData.Timestamp), Is.EqualTo(Freshness.Stale));
    }

    [Test]
    public void SameNonceOfAnotherNodeIsFresh()
    {
        var guard = new ReplayGuard(WireTestData.Clock(), TimeSpan.FromSeconds(60));
        Assert.That(guard.Check(Node, 1, WireTestData.Timestamp), Is.EqualTo(Freshness.Fresh));
        Assert.That(guard.Check(WireTestData.OurNode, 1, WireTestData.Timestamp), Is.EqualTo(Freshness.Fresh));
    }

    [TestCase(-60_001, nameof(Freshness.Stale))]
    [TestCase(-60_000, nameof(Freshness.Fresh))]
    [TestCase(60_000, nameof(Freshness.Fresh))]
    [TestCase(60_001, nameof(Freshness.Stale))]
    public void WindowHoldsBothWays(long offsetMs, string expectedName)
    {
        var expected = Enum.Parse<Freshness>(expectedName);
        var guard = new ReplayGuard(WireTestData.Clock(), TimeSpan.FromSeconds(60));
        Assert.That(guard.Check(Node, 1, (ulong)((long)WireTestData.Timestamp + (offsetMs * 1000))), Is.EqualTo(expected));
    }

    [Test]
    public void FullCacheFailsClosedAndFreesSlotsAsTheWindowMoves()
    {
        var clock = WireTestData.Clock();
        var guard = new ReplayGuard(clock, TimeSpan.FromSeconds(10), capacity: 16);
        int fresh = 0;
        for (ulong nonce = 0; nonce < 200; nonce++)
            fresh += guard.Check(Node, nonce, WireTestData.Timestamp) == Freshness.Fresh ? 1 : 0;
        Assert.That(fresh, Is.InRange(1, 16), "never more remembered than the capacity");
        Assert.That(guard.Check(Node, 1000, WireTestData.Timestamp), Is.EqualTo(Freshness.Replay), "a full cache refuses rather than forgets");

        clock.Advance(TimeSpan.FromSeconds(11));
        ulong now = WireTestData.Timestamp + 11_000_000; // microseconds
        Assert.That(guard.Check(Node, 1000, now), Is.EqualTo(Freshness.Fresh));
        Assert.That(guard.Check(Node, 1000, now), Is.EqualTo(Freshness.Replay));
    }

    [Test]
    public void ProbeKeyHoldsDestinationAndTimestampSoRetriesAndSecondAddressesAreFresh()
    {
        var guard = new ReplayGuard(WireTestData.Clock(), TimeSpan.FromSeconds(60));
        var t = WireTestData.Timestamp;
        Assert.Multiple(() =>
        {
            Assert.That(guard.CheckProbe(Node, 7, WireTestData.Us, t), Is.EqualTo(Freshness.Fresh));
            Assert.That(guard.CheckProbe(Node, 7, WireTestData.Us, t), Is.EqualTo(Freshness.Replay), "the same probe again");
            Assert.That(guard.CheckProbe(Node, 7, WireTestData.Us + 1, t), Is.EqualTo(Freshness.Fresh), "our second address");
            Assert.That(guard.CheckProbe(Node, 7, WireTestData.Us, t + 1_000_000), Is.EqualTo(Freshness.Fresh), "the next round, a second later");
            Assert.That(guard.Check(Node, 7, t), Is.EqualTo(Freshness.Fresh), "an announce key is apart from probe keys");
            Assert.That(guard.CheckProbe(Node, 7, WireTestData.Us, t + 61_000_000), Is.EqualTo(Freshness.Stale));
        });
    }

    [Test]
    public void InvalidSettingsAreRefusedWithTheRule()
    {
        var window = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ReplayGuard(TimeProvider.System, TimeSpan.Zero));
        var capacity = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ReplayGuard(TimeProvider.System, TimeSpan.FromSeconds(1), 100));
        Assert.That(window!.Message, Does.Contain("positive"));
        Assert.That(capacity!.Message, Does.Contain("power of two"));
    }
}
