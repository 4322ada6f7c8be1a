using Widescan.Contracts;
using Widescan.Plugin.Probing;

namespace Widescan.Tests.Probing;

public class ResponderPolicyTests
{
    private static readonly UInt128 Scanner = Ipv6Address.Parse("2001:db8:1:2::5");

    [Test]
    public void AnnounceLargerThanTheProbeIsNeverSent()
    {
        var policy = new ResponderPolicy(WireTestData.Clock());
        Assert.That(policy.Decide(Scanner, 74, 75), Is.EqualTo(ResponderVerdict.TooLarge));
        Assert.That(policy.Decide(Scanner, 74, 74), Is.EqualTo(ResponderVerdict.Answer));
    }

    [Test]
    public void OneSourcePrefixGetsItsBurstThenItsRate()
    {
        var clock = WireTestData.Clock();
        var policy = new ResponderPolicy(clock, new ResponderLimits(PerSourcePerSecond: 2, PerSourceBurst: 4));
        for (int i = 0; i < 4; i++)
            Assert.That(policy.Decide(Scanner + (UInt128)i, 90, 74), Is.EqualTo(ResponderVerdict.Answer), $"probe {i}");
        Assert.That(policy.Decide(Scanner + 77, 90, 74), Is.EqualTo(ResponderVerdict.SourceLimited), "same /64, other address");
        Assert.That(policy.Decide(Ipv6Address.Parse("2001:db8:1:3::5"), 90, 74), Is.EqualTo(ResponderVerdict.Answer), "another /64");

        clock.Advance(TimeSpan.FromMilliseconds(499));
        Assert.That(policy.Decide(Scanner, 90, 74), Is.EqualTo(ResponderVerdict.SourceLimited));
        clock.Advance(TimeSpan.FromMilliseconds(2));
        Assert.That(policy.Decide(Scanner, 90, 74), Is.EqualTo(ResponderVerdict.Answer), "one token after half a second at 2/s");
        Assert.That(policy.Decide(Scanner, 90, 74), Is.EqualTo(ResponderVerdict.SourceLimited));
    }

    [Test]
    public void AllSourcesTogetherAreBoundedByTheGlobalBucket()
    {
        var clock = WireTestData.Clock();
        var policy = new ResponderPolicy(clock, new ResponderLimits(PerSecond: 10, Burst: 10, SourcePrefixLength: 128));
        int answered = 0;
        for (int i = 0; i < 1000; i++)
            answered += policy.Decide(Scanner + (UInt128)i, 90, 74) == ResponderVerdict.Answer ? 1 : 0;
        Assert.That(answered, Is.EqualTo(10));
        clock.Advance(TimeSpan.FromSeconds(1));
        answered = 0;
        for (int i = 0; i < 1000; i++)
            answered += policy.Decide(Scanner + (UInt128)(5000 + i), 90, 74) == ResponderVerdict.Answer ? 1 : 0;
        Assert.That(answered, Is.EqualTo(10));
    }

    [Test]
    public void InvalidLimitsAreAllReported()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new ResponderPolicy(TimeProvider.System, new ResponderLimits(PerSecond: 0, SourcePrefixLength: 129, TrackedSources: 1000)));
        Assert.That(error!.Message, Does.Contain("positive rate").And.Contain("/129").And.Contain("power of two"));
    }
}
