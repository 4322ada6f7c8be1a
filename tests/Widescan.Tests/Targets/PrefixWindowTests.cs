using Widescan.Contracts;
using Widescan.Tests.Generation;

namespace Widescan.Tests.Targets;

/// <summary>
/// Per-include windows (a RIPE prefix list mixes assignment sizes): each prefix is probed once per
/// subnet of its own window.
/// </summary>
public class PrefixWindowTests
{
    private static readonly Ipv6Prefix Sites56 = Ipv6Prefix.Parse("2001:db8:100::/52");
    private static readonly Ipv6Prefix Sites60 = Ipv6Prefix.Parse("2001:db8:200::/56");
    private static readonly Ipv6Prefix Sites64 = Ipv6Prefix.Parse("2001:db8:300::/60");

    internal static TargetSpec MixedWindows(IidPattern iid) => new()
    {
        Include = [Sites56, Sites60, Sites64],
        PrefixWindows = [new(Sites56, 56), new(Sites60, 60), new(Sites64, 64)],
        Iid = iid,
        Seed = 11,
        AllowReserved = true,
    };

    [Test]
    public void EachPrefixIsProbedOncePerSubnetOfItsOwnWindow()
    {
        var spec = MixedWindows(IidPattern.Fixed(1));
        Assert.That(spec.Validate(), Is.Empty);
        Assert.That(spec.PlannedTargets, Is.EqualTo((UInt128)(16 + 16 + 16)));

        var expected = new HashSet<UInt128>();
        foreach (var (prefix, window) in spec.PrefixWindows)
        {
            for (UInt128 subnet = 0; subnet < (UInt128.One << (window - prefix.Length)); subnet++)
                expected.Add(prefix.Network + (subnet << (128 - window)) + 1);
        }

        var targets = Streams.Drain(Streams.Cpu(), spec, batch: 7);
        Assert.That(targets, Has.Count.EqualTo(48));
        Assert.That(targets.ToHashSet().SetEquals(expected), Is.True, "one ::1 per /56, /60 and /64 of its prefix");
    }

    [Test]
    public void ExclusionsAreSubtractedWithinEachWindow()
    {
        var spec = MixedWindows(IidPattern.Fixed(1)) with
        {
            Exclude = [Ipv6Prefix.Parse("2001:db8:100::/56"), Ipv6Prefix.Parse("2001:db8:300::1/128")],
        };
        var targets = Streams.Drain(Streams.Cpu(), spec);
        Assert.That(targets, Has.Count.EqualTo(46), "one /56 site and one /64 identifier fewer");
        Assert.That(targets, Does.Not.Contain(Ipv6Address.Parse("2001:db8:100::1")));
        Assert.That(targets, Does.Not.Contain(Ipv6Address.Parse("2001:db8:300::1")));
    }

    [Test]
    public void WindowsAreValidatedWithTheirPrefixes()
    {
        var onlyOne = new TargetSpec
        {
            Include = [Sites56, Sites60],
            PrefixWindows = [new(Sites56, 56), new(Ipv6Prefix.Parse("2001:db8:900::/48"), 50), new(Sites60, 40)],
            Iid = IidPattern.Fixed(1),
        };
        var errors = onlyOne.Validate();
        Assert.That(errors, Has.Some.Contains("2001:db8:900::/48, which is not an include prefix"));
        Assert.That(errors, Has.Some.Contains("the window /40 of 2001:db8:200::/56 must be between its length and 128"));

        var mixed = new TargetSpec { Include = [Sites56, Sites60], PrefixWindows = [new(Sites56, 56)], Iid = IidPattern.Fixed(1) };
        Assert.That(mixed.Validate(), Has.One.Contains("2001:db8:200::/56 has no window while others have one"));

        var noIid = new TargetSpec { Include = [Sites56], PrefixWindows = [new(Sites56, 56)] };
        Assert.That(noIid.Validate(), Has.One.Contains("windowed prefixes need an IID pattern"));
    }

    [Test]
    public void TheStateOfAWindowedScanNamesEachWindow()
    {
        var spec = MixedWindows(IidPattern.Fixed(1));
        var state = ScanState.Of(spec, 5, 48, DateTimeOffset.UnixEpoch);
        Assert.That(state.Include, Does.Contain("2001:db8:100::/52 window=/56"));
        Assert.That(state.Matches(spec), Is.True);
        Assert.That(state.Matches(spec with { PrefixWindows = [new(Sites56, 60), new(Sites60, 60), new(Sites64, 64)] }), Is.False);
    }
}
