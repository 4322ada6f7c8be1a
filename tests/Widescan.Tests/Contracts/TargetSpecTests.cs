using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

public class TargetSpecTests
{
    private static TargetSpec Spec(params string[] include) => new() { Include = include.Select(Ipv6Prefix.Parse).ToArray() };

    [Test]
    public void AValidSpecHasNoErrors()
    {
        var spec = Spec("2001:db8::/112") with { Shard = new ShardSpec(1, 4), StartCursor = 100, Seed = 7 };
        Assert.That(spec.Validate(), Is.Empty);
        Assert.That(spec.PlannedTargets, Is.EqualTo((UInt128)65_536));
        Assert.DoesNotThrow(spec.EnsureValid);
    }

    [Test]
    public void ListsEveryErrorAtOnce()
    {
        var spec = new TargetSpec { Shard = new ShardSpec(4, 4), Iid = IidPattern.Fixed(1) };
        var errors = spec.Validate();
        Assert.That(errors, Has.Count.EqualTo(3));
        Assert.That(errors, Has.Some.Contains("no target prefix"));
        Assert.That(errors, Has.Some.Contains("shard 4/4 is invalid"));
        Assert.That(errors, Has.Some.Contains("needs a subnet window"));
        var thrown = Assert.Throws<TargetSpecException>(spec.EnsureValid)!;
        Assert.That(thrown.Errors, Is.EqualTo(errors));
    }

    [Test]
    public void AWindowNeedsAPatternThatFitsAndPrefixesNoLongerThanIt()
    {
        var spec = Spec("2001:db8::/32", "2001:db8:1:2::/72") with { SubnetBits = 64 };
        var errors = spec.Validate();
        Assert.That(errors, Has.Some.Contains("needs an IID pattern"));
        Assert.That(errors, Has.Some.Contains("2001:db8:1:2::/72 is longer than the subnet window /64"));

        var tooWide = Spec("2001:db8::/32") with { SubnetBits = 80, Iid = IidPattern.Parse("eui64:00:50:56") };
        Assert.That(tooWide.Validate(), Has.Some.Contains("needs 64 bits but /80 leaves 48"));
    }

    [Test]
    public void CountsWindowTargetsPerSubnetTimesPattern()
    {
        var spec = Spec("2001:db8::/32") with { SubnetBits = 64, Iid = IidPattern.Parse("low:1-ff") };
        Assert.That(spec.Validate(), Is.Empty);
        Assert.That(spec.PlannedTargets, Is.EqualTo((UInt128.One << 32) * 255));
    }

    [Test]
    public void MoreThanTwoToThe64TargetsIsAnErrorThatNamesTheSize()
    {
        var errors = Spec("2001:db8::/48").Validate();
        Assert.That(errors, Has.One.Contains("2^80").And.Contains("at most 2^64"));
        Assert.That(Spec("2001:db8::/64").Validate(), Is.Empty, "exactly 2^64 is allowed");
        Assert.That(Spec("2001:db8::/64", "2001:db8:0:1::/127").Validate(), Has.One.Contains("at most 2^64"));
    }

    [Test]
    public void OverlappingIncludesAreCountedOnce()
    {
        var spec = Spec("2001:db8::/112", "2001:db8::/120", "2001:db8::/112", "2001:db8:1::/120");
        Assert.That(spec.MergedIncludes().Select(p => p.ToString()), Is.EqualTo(new[] { "2001:db8::/112", "2001:db8:1::/120" }));
        Assert.That(spec.PlannedTargets, Is.EqualTo((UInt128)(65_536 + 256)));
    }

    [Test]
    public void ACursorPastTheEndOfTheShardIsAnError()
    {
        var spec = Spec("2001:db8::/120") with { Shard = new ShardSpec(3, 4), StartCursor = 65 };
        Assert.That(spec.Validate(), Has.One.Contains("start cursor 65 is past the end of shard 3/4 (64 positions)"));
        Assert.That((spec with { StartCursor = 64 }).Validate(), Is.Empty, "the end itself is a valid, finished cursor");
    }
}

public class IidPatternTests
{
    [TestCase("::1", IidPatternKind.Fixed, "::1", 1)]
    [TestCase("low:1-ff", IidPatternKind.LowRange, "low:1-ff", 255)]
    [TestCase("LOW:0x10-0x1f", IidPatternKind.LowRange, "low:10-1f", 16)]
    [TestCase("random", IidPatternKind.Random, "random", 1)]
    [TestCase("eui64:00:50:56", IidPatternKind.Eui64, "eui64:00:50:56", 1 << 24)]
    [TestCase("eui64:00:50:56,00-0C-29", IidPatternKind.Eui64, "eui64:00:50:56,00:0c:29", 2 << 24)]
    [TestCase("ipv4:192.0.2.0/24", IidPatternKind.Ipv4Embedded, "ipv4:192.0.2.0/24", 256)]
    [TestCase("ipv4:192.0.2.7", IidPatternKind.Ipv4Embedded, "ipv4:192.0.2.7/32", 1)]
    public void ParsesEveryCommandLineForm(string text, IidPatternKind kind, string canonical, long perSubnet)
    {
        var pattern = IidPattern.Parse(text);
        Assert.That(pattern.Kind, Is.EqualTo(kind));
        Assert.That(pattern.ToString(), Is.EqualTo(canonical));
        Assert.That(pattern.CountPerSubnet, Is.EqualTo((UInt128)perSubnet));
        Assert.That(IidPattern.Parse(pattern.ToString()), Is.EqualTo(pattern), "the canonical form parses back");
    }

    [TestCase("low:ff-1", "ends before it starts")]
    [TestCase("low:1", "low:FIRST-LAST")]
    [TestCase("eui64:00:50", "three bytes")]
    [TestCase("eui64:", "three bytes")]
    [TestCase("ipv4:192.0.2.1/24", "host bits")]
    [TestCase("ipv4:192.0.2.0/33", "0 to 32")]
    [TestCase("ipv4:2001:db8::", "ipv4:A.B.C.D/LEN")]
    [TestCase("sometimes", "is not one of")]
    public void RefusesMalformedPatternsNamingTheForm(string text, string problem) =>
        Assert.That(() => IidPattern.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contains(problem));
}

public class ShardSpecAndNodeIdTests
{
    [Test]
    public void ShardParsesIOverN()
    {
        Assert.That(ShardSpec.Parse("2/8"), Is.EqualTo(new ShardSpec(2, 8)));
        Assert.That(ShardSpec.Parse("2/8").ToString(), Is.EqualTo("2/8"));
        Assert.That(() => ShardSpec.Parse("8/8"), Throws.TypeOf<FormatException>().With.Message.Contains("0 to N-1"));
        Assert.That(() => ShardSpec.Parse("1of2"), Throws.TypeOf<FormatException>().With.Message.Contains("I/N"));
        Assert.That(() => ShardSpec.Parse("0/0"), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void NodeIdRoundTripsAs32HexDigits()
    {
        var id = NodeId.NewRandom();
        Assert.That(id.ToString(), Has.Length.EqualTo(32));
        Assert.That(NodeId.Parse(id.ToString()), Is.EqualTo(id));
        Assert.That(NodeId.Parse("00112233-4455-6677-8899-aabbccddeeff").Value >> 120, Is.EqualTo((UInt128)0));
        Assert.That(() => NodeId.Parse("xyz"), Throws.TypeOf<FormatException>().With.Message.Contains("32 hex digits"));
        var other = NodeId.NewRandom();
        Assert.That(other, Is.Not.EqualTo(id), "random identities differ");
    }
}

public class WidescanOptionsTests
{
    [Test]
    public void DefaultsAreConservativeAndValidForAScan()
    {
        var options = new WidescanOptions { Targets = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/120")], AllowReserved = true } };
        Assert.That(options.Validate(), Is.Empty);
        Assert.That(options.Rate, Is.LessThanOrEqualTo(1_000));
        Assert.That(options.Generator, Is.EqualTo("auto"));
        Assert.That(options.RespondToPeers, Is.True);
    }

    [Test]
    public void ListsEveryErrorAtOnceIncludingTheTargets()
    {
        var options = new WidescanOptions
        {
            Targets = new TargetSpec(),
            Rate = 0,
            ProbesPerTarget = 0,
            ApplicationData = new byte[25],
            NetworkKey = new byte[4],
        };
        var errors = options.Validate();
        Assert.That(errors, Has.Count.EqualTo(5));
        Assert.That(errors, Has.Some.Contains("no target prefix"));
        Assert.That(errors, Has.Some.Contains("rate 0"));
        Assert.That(errors, Has.Some.Contains("probes per target 0"));
        Assert.That(errors, Has.Some.Contains("at most 24"));
        Assert.That(errors, Has.Some.Contains("at least 16 random bytes"));
        Assert.That(() => options.EnsureValid(), Throws.TypeOf<WidescanOptionsException>());
    }

    [Test]
    public void ListenOnlyNeedsNoTargets() =>
        Assert.That(new WidescanOptions { ListenOnly = true }.Validate(), Is.Empty);
}
