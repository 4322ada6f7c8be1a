using Widescan.Contracts;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Discovery;

/// <summary>Unkeyed, unsolicited responders (spoofable) are bounded per source /64 and per run.</summary>
public sealed class UnsolicitedBudgetTests
{
    [Test]
    public void A_source_64_gets_four_and_the_rest_is_counted()
    {
        var budget = new UnsolicitedBudget();
        var subnet = Ipv6Address.Parse("2001:db8:5:6::");
        var admitted = Enumerable.Range(1, 1000).Count(i => budget.Admit(subnet + (UInt128)i));
        Assert.That(admitted, Is.EqualTo(UnsolicitedBudget.PerPrefix));
        Assert.That(budget.Refused, Is.EqualTo(1000 - UnsolicitedBudget.PerPrefix));
        Assert.That(budget.Admit(Ipv6Address.Parse("2001:db8:5:7::1")), Is.True, "another /64 has its own share");
    }

    [Test]
    public void A_flood_from_spoofed_subnets_is_capped_per_run()
    {
        // 500,000 forgeries, each from its own /64: at most PerRun are admitted, memory stays a fixed table.
        var budget = new UnsolicitedBudget();
        var base_ = Ipv6Address.Parse("2001:db8::1");
        long admitted = 0;
        for (int i = 0; i < 500_000; i++)
            admitted += budget.Admit(base_ + ((UInt128)(uint)i << 64)) ? 1 : 0;
        Assert.That(admitted, Is.EqualTo(UnsolicitedBudget.PerRun));
        Assert.That(budget.Refused, Is.EqualTo(500_000 - UnsolicitedBudget.PerRun));
    }
}
