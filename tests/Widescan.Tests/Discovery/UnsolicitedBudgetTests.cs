using Widescan.Contracts;
using Widescan.Plugin.Discovery;
using Widescan.Tests.Probing;

namespace Widescan.Tests.Discovery;

/// <summary>Unkeyed, unsolicited responders (spoofable) are bounded per source /64 and in all, and a flood does not shut out genuine ones for good.</summary>
public sealed class UnsolicitedBudgetTests
{
    [Test]
    public void A_source_64_gets_four_and_the_rest_is_counted()
    {
        var budget = new UnsolicitedBudget(WireTestData.Clock());
        var subnet = Ipv6Address.Parse("2001:db8:5:6::");
        var admitted = Enumerable.Range(1, 1000).Count(i => budget.Admit(subnet + (UInt128)i));
        Assert.That(admitted, Is.EqualTo(UnsolicitedBudget.PerPrefix));
        Assert.That(budget.Refused, Is.EqualTo(1000 - UnsolicitedBudget.PerPrefix));
        Assert.That(budget.Admit(Ipv6Address.Parse("2001:db8:5:7::1")), Is.True, "another /64 has its own share");
    }

    [Test]
    public void A_flood_from_spoofed_subnets_is_capped_and_genuine_ones_get_in_again_as_time_passes()
    {
        // 500,000 forgeries, each from its own /64, in one instant: at most the burst gets in.
        var clock = WireTestData.Clock();
        var budget = new UnsolicitedBudget(clock);
        var base_ = Ipv6Address.Parse("2001:db8::1");
        long admitted = 0;
        for (int i = 0; i < 500_000; i++)
            admitted += budget.Admit(base_ + ((UInt128)(uint)i << 64)) ? 1 : 0;
        Assert.That(admitted, Is.LessThanOrEqualTo(UnsolicitedBudget.Burst));
        Assert.That(admitted, Is.GreaterThan(UnsolicitedBudget.Burst / 2), "the slots are not lost to collisions");
        Assert.That(budget.Refused, Is.EqualTo(500_000 - admitted));

        // Two minutes later the flood's slots are idle and tokens have come back: a genuine one gets in.
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.That(budget.Admit(Ipv6Address.Parse("2001:db8:ffff:1::9")), Is.True);
    }

    [Test]
    public void Colliding_subnets_do_not_reset_each_others_count()
    {
        // However the slots collide, one /64 never gets more than its share while it is live.
        var budget = new UnsolicitedBudget(WireTestData.Clock());
        var victim = Ipv6Address.Parse("2001:db8:7::");
        int victimAdmitted = 0;
        for (int round = 0; round < 200; round++)
        {
            victimAdmitted += budget.Admit(victim + (UInt128)(round + 1)) ? 1 : 0;
            budget.Admit(Ipv6Address.Parse("2001:db8:8::1") + ((UInt128)(uint)round << 64)); // other /64s, some colliding
        }

        Assert.That(victimAdmitted, Is.EqualTo(UnsolicitedBudget.PerPrefix));
    }
}
