using Widescan.Contracts;
using Widescan.Plugin.Targets;
using Widescan.Tests.Generation;

namespace Widescan.Tests.Targets;

public class TargetSpaceTests
{
    private static HashSet<UInt128> Expected(Ipv6Prefix include, Func<UInt128, bool> keep)
    {
        var set = new HashSet<UInt128>();
        for (UInt128 k = 0; k < include.Size; k++)
        {
            if (keep(include.Network + k))
                set.Add(include.Network + k);
        }

        return set;
    }

    [Test]
    public void ExclusionsAreSubtractedExactly()
    {
        var spec = Streams.Spec("2001:db8::/112", 3, "2001:db8::/120", "2001:db8::ff00/120", "2001:db8::1234/128");
        var excluded = spec.Exclude;
        var targets = Streams.Drain(Streams.Cpu(), spec);
        var expected = Expected(spec.Include[0], a => !excluded.Any(e => e.Contains(a)));
        Assert.That(targets, Has.Count.EqualTo(65536 - 512 - 1));
        Assert.That(targets.ToHashSet().SetEquals(expected), Is.True);
    }

    [Test]
    public void TheBlocklistIsSubtractedUnlessLifted()
    {
        // /32 subnets of 2001::/16 with ::1: 2001::/23 (IETF) holds 512 of them, 2001:db8::/32 one more.
        var spec = new TargetSpec
        {
            Include = [Ipv6Prefix.Parse("2001::/16")],
            SubnetBits = 32,
            Iid = IidPattern.Parse("::1"),
            Seed = 4,
        };
        var targets = Streams.Drain(Streams.Cpu(), spec);
        Assert.That(targets, Has.Count.EqualTo(65536 - 512 - 1));
        Assert.That(targets.Where(t => ReservedPrefixes.Find(t) is not null), Is.Empty);
        Assert.That(targets.Distinct().Count(), Is.EqualTo(targets.Count));

        var lifted = Streams.Drain(Streams.Cpu(), spec with { AllowReserved = true });
        Assert.That(lifted, Has.Count.EqualTo(65536));
    }

    [Test]
    public void AnIncludeInsideAnExclusionYieldsNothingWithAWarning()
    {
        var spec = Streams.Spec("2001:db8:1::/120", 1, "2001:db8:1::/64") with
        {
            Include = [Ipv6Prefix.Parse("2001:db8:1::/120"), Ipv6Prefix.Parse("2001:db8:2::/124")],
        };
        var space = TargetSpace.Build(spec);
        Assert.That(space.Count, Is.EqualTo((UInt128)16));
        Assert.That(space.Warnings, Has.Count.EqualTo(1));
        Assert.That(space.Warnings[0], Does.Contain("2001:db8:1::/120").And.Contain("excluded prefix 2001:db8:1::/64"));

        var blocked = TargetSpace.Build(Streams.Spec("2001:db8::/120") with { AllowReserved = false });
        Assert.That(blocked.Count, Is.EqualTo(UInt128.Zero));
        Assert.That(blocked.Warnings[0], Does.Contain("blocklist entry 2001:db8::/32").And.Contain("lift it with AllowReserved"));
        Assert.That(Streams.Drain(Streams.Cpu(), Streams.Spec("2001:db8::/120") with { AllowReserved = false }), Is.Empty);
    }

    [Test]
    public void ExclusionsInsideSubnetsAreSkipped()
    {
        var spec = new TargetSpec
        {
            Include = [Ipv6Prefix.Parse("2001:db8::/56")],
            Exclude = [Ipv6Prefix.Parse("2001:db8:0:5::80/121"), Ipv6Prefix.Parse("2001:db8:0:7::1/128"), Ipv6Prefix.Parse("2001:db8:0:9::/64")],
            SubnetBits = 64,
            Iid = IidPattern.Parse("low:1-ff"),
            Seed = 8,
            AllowReserved = true,
        };
        var targets = Streams.Drain(Streams.Cpu(), spec, batch: 500);
        var expected = new HashSet<UInt128>();
        for (UInt128 subnet = 0; subnet < 256; subnet++)
        {
            for (UInt128 iid = 1; iid <= 0xff; iid++)
            {
                var a = Ipv6Address.Parse("2001:db8::") | (subnet << 64) | iid;
                if (!spec.Exclude.Any(e => e.Contains(a)))
                    expected.Add(a);
            }
        }

        Assert.That(targets, Has.Count.EqualTo(expected.Count));
        Assert.That(targets.ToHashSet().SetEquals(expected), Is.True);
        Assert.That(expected, Has.Count.EqualTo(255 * 255 - 128 - 1));
    }

    [Test]
    public void FixedIidGivesOneTargetPerSubnet()
    {
        var targets = Streams.Drain(Streams.Cpu(), Window("2001:db8::/48", 64, "::1"));
        Assert.That(targets, Has.Count.EqualTo(65536));
        Assert.That(targets.All(t => (ulong)t == 1), Is.True);
        Assert.That(targets.Select(t => t >> 64).Distinct().Count(), Is.EqualTo(65536));
    }

    [Test]
    public void LowRangeGivesEveryIdentifierOfTheRange()
    {
        var targets = Streams.Drain(Streams.Cpu(), Window("2001:db8::/56", 64, "low:1-ff"));
        Assert.That(targets, Has.Count.EqualTo(256 * 255));
        Assert.That(targets.Distinct().Count(), Is.EqualTo(256 * 255));
        Assert.That(targets.All(t => (ulong)t is >= 1 and <= 0xff), Is.True);
    }

    [Test]
    public void RandomIidIsStableForASeedAndDiffersPerSubnetAndSeed()
    {
        var spec = Window("2001:db8::/48", 64, "random");
        var a = Streams.Drain(Streams.Cpu(), spec).ToDictionary(t => t >> 64, t => (ulong)t);
        var again = Streams.Drain(Streams.Cpu(1), spec).ToDictionary(t => t >> 64, t => (ulong)t);
        var other = Streams.Drain(Streams.Cpu(), spec with { Seed = spec.Seed + 1 }).ToDictionary(t => t >> 64, t => (ulong)t);
        Assert.That(a, Has.Count.EqualTo(65536));
        // (NUnit's EquivalentTo is quadratic; compare the dictionaries directly.)
        Assert.That(again.Count == a.Count && again.All(kv => a[kv.Key] == kv.Value), Is.True, "the same seed gave other identifiers");
        Assert.That(a.Values.Distinct().Count(), Is.GreaterThan(65000), "identifiers should differ between subnets");
        Assert.That(a.Count(kv => other[kv.Key] == kv.Value), Is.LessThan(10), "another seed should give other identifiers");

        var narrow = Streams.Drain(Streams.Cpu(), Window("2001:db8::/104", 120, "random"));
        Assert.That(narrow, Has.Count.EqualTo(65536));
        Assert.That(narrow.All(t => Ipv6Prefix.Parse("2001:db8::/104").Contains(t)), Is.True);
    }

    [Test]
    public void Eui64FollowsRfc4291AppendixA()
    {
        var spec = Window("2001:db8:0:1::/64", 64, "eui64:00:50:56,00:0c:29");
        var space = TargetSpace.Build(spec);
        Assert.That(space.Count, Is.EqualTo((UInt128)(2 << 24)));
        var targets = Streams.Drain(Streams.Cpu(), spec, batch: 65536).Take(1 << 17).ToList();
        foreach (var t in targets)
        {
            var iid = (ulong)t;
            Assert.That(t >> 64, Is.EqualTo((UInt128)0x2001_0db8_0000_0001UL));
            Assert.That((iid >> 24) & 0xFFFF, Is.EqualTo(0xFFFEUL), "ff:fe in the middle");
            // The first octet of 00:50:56 and 00:0c:29 is 00: the universal/local bit (0x02) is inverted to 1.
            Assert.That(iid >> 56, Is.EqualTo(0x02UL));
            Assert.That((iid >> 40) & 0xFFFF, Is.EqualTo(0x5056UL).Or.EqualTo(0x0c29UL));
        }

        Assert.That(targets.Distinct().Count(), Is.EqualTo(targets.Count));
        // The MAC 00:50:56:12:34:56 is 0250:56ff:fe12:3456 (RFC 4291 Appendix A's construction).
        Assert.That(Eui64.FromOui(0x005056, 0x123456), Is.EqualTo(0x0250_56FF_FE12_3456UL));
        // A locally administered OUI (bit set) has it cleared.
        Assert.That(Eui64.FromOui(0x025056, 0x000001) >> 56, Is.EqualTo(0UL));
        var indexes = new[] { 0UL, (1UL << 24) - 1, 1UL << 24, (2UL << 24) - 1 };
        Assert.That(indexes.Select(i => (ulong)space.TargetAt(i)),
            Is.EquivalentTo(new[] { 0x0250_56FF_FE00_0000UL, 0x0250_56FF_FEFF_FFFFUL, 0x020C_29FF_FE00_0000UL, 0x020C_29FF_FEFF_FFFFUL }));
    }

    [Test]
    public void Ipv4EmbeddedFillsTheLow32Bits()
    {
        var targets = Streams.Drain(Streams.Cpu(), Window("2001:db8::/56", 64, "ipv4:192.0.2.0/24"));
        Assert.That(targets, Has.Count.EqualTo(256 * 256));
        Assert.That(targets.Distinct().Count(), Is.EqualTo(256 * 256));
        Assert.That(targets.All(t => ((ulong)t >> 8) == 0xC00002UL), Is.True, "192.0.2.x in the low 32 bits, zeros above");
    }

    [Test]
    public void BuildingAHugeSpaceCostsNothingProportionalToItsSize()
    {
        var spec = new TargetSpec
        {
            Include = [Ipv6Prefix.Parse("2001:db8::/32")],
            Exclude = [Ipv6Prefix.Parse("2001:db8:8000::/33")],
            SubnetBits = 96,
            Iid = IidPattern.Parse("::1"),
            AllowReserved = true,
        };
        var space = TargetSpace.Build(spec);
        Assert.That(space.Count, Is.EqualTo(UInt128.One << 63));
        Assert.That(space.Segments, Has.Length.EqualTo(1));
    }

    private static TargetSpec Window(string include, int bits, string iid) => Streams.Spec(include, 21) with
    {
        SubnetBits = bits,
        Iid = IidPattern.Parse(iid),
    };
}
