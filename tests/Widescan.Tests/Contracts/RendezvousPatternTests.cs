using Widescan.Contracts;
using Widescan.Tests.Targets;

namespace Widescan.Tests.Contracts;

/// <summary>IidPattern.Rendezvous: it holds the secret, shows only the key id, reads back with the secret and refuses another.</summary>
public class RendezvousPatternTests
{
    private static readonly byte[] Secret = Convert.FromHexString(RendezvousVectors.KeySecret);
    private static readonly byte[] NameSecret = Convert.FromHexString(RendezvousVectors.NameSecret);

    [Test]
    public void TheTextShowsTheKeyIdAndSlotsNeverTheSecret()
    {
        var pattern = IidPattern.Rendezvous(Secret, 3);
        Assert.That(pattern.ToString(), Is.EqualTo($"rendezvous:slots=3,key={RendezvousVectors.KeyId}"));
        Assert.That(pattern.KeyId, Is.EqualTo(RendezvousVectors.KeyId));
        Assert.That(pattern.CountPerSubnet, Is.EqualTo((UInt128)3));
        Assert.That(pattern.ToString(), Does.Not.Contain(RendezvousVectors.KeySecret[..8]));
        Assert.That(IidPattern.Rendezvous(Secret).RendezvousSlots, Is.EqualTo(IidPattern.DefaultRendezvousSlots));
    }

    [Test]
    public void BothKeysDoubleTheProbesAndShowBothIds()
    {
        var both = IidPattern.Rendezvous(Secret, NameSecret, 2);
        Assert.That(both.CountPerSubnet, Is.EqualTo((UInt128)4));
        Assert.That(both.KeyId, Is.EqualTo($"{RendezvousVectors.KeyId}+{RendezvousVectors.NameKeyId}"));
        Assert.That(both, Is.Not.EqualTo(IidPattern.Rendezvous(Secret, 2)));
    }

    [Test]
    public void TheTextReadsBackWithItsSecretAndRefusesAnother()
    {
        var pattern = IidPattern.Rendezvous(Secret, 5);
        var back = IidPattern.ParseRendezvous(pattern.ToString(), Secret);
        Assert.That(back, Is.EqualTo(pattern));
        Assert.That(back.RendezvousSecret.ToArray(), Is.EqualTo(Secret));
        var both = IidPattern.Rendezvous(Secret, NameSecret, 1);
        Assert.That(IidPattern.ParseRendezvous(both.ToString(), Secret, NameSecret), Is.EqualTo(both));

        var e = Assert.Throws<FormatException>(() => IidPattern.ParseRendezvous(pattern.ToString(), NameSecret));
        Assert.That(e!.Message, Does.Contain($"key id {RendezvousVectors.KeyId}").And.Contain($"key id {RendezvousVectors.NameKeyId}"));
        Assert.That(IidPattern.ParseRendezvous("rendezvous", NameSecret).RendezvousSlots, Is.EqualTo(2), "the bare form takes the default slots");
    }

    [Test]
    public void PlainParseCannotRebuildTheSecretAndSaysSo()
    {
        var e = Assert.Throws<FormatException>(() => IidPattern.Parse("rendezvous"));
        Assert.That(e!.Message, Does.Contain("IidPattern.Rendezvous").And.Contain("ParseRendezvous"));
        Assert.That(e.Message, Does.Not.Contain("--"), "the contracts speak in API names, not flags");
    }

    [TestCase(0)]
    [TestCase(17)]
    public void SlotsOutOfRangeAreRefused(int slots)
    {
        var e = Assert.Throws<ArgumentException>(() => IidPattern.Rendezvous(Secret, slots));
        Assert.That(e!.Message, Does.Contain("1-16"));
    }

    [Test]
    public void ASecretOfAnotherLengthIsRefused() =>
        Assert.Throws<ArgumentException>(() => IidPattern.Rendezvous(new byte[15]));

    [Test]
    public void TheWindowMustBeSlash64()
    {
        var spec = new TargetSpec
        {
            Include = [Ipv6Prefix.Parse("2001:db8::/32")],
            SubnetBits = 56,
            Iid = IidPattern.Rendezvous(Secret),
        };
        var errors = spec.Validate();
        Assert.That(errors, Has.Some.Contains("/56").And.Contains("SubnetBits to 64"));
        Assert.That(errors, Has.None.Contains("--"));
        Assert.That((spec with { SubnetBits = 64 }).Validate(), Is.Empty);
        Assert.That((spec with { SubnetBits = 64 }).PlannedTargets, Is.EqualTo((UInt128)2 << 32), "2 slots in each of 2^32 /64s");
    }

    [Test]
    public void AStateOfOneKeyIsNotResumedUnderAnother()
    {
        var spec = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/48")], SubnetBits = 64, Iid = IidPattern.Rendezvous(Secret), Seed = 4 };
        var state = ScanState.Of(spec, 100, 131_072, DateTimeOffset.UnixEpoch);
        Assert.That(state.Iid, Does.Not.Contain(RendezvousVectors.KeySecret[..8]), "the state file shows the key id only");
        Assert.That(state.ResumeFrom(spec with { Iid = IidPattern.Rendezvous(Secret) }).StartCursor, Is.EqualTo(100UL), "the same key resumes");
        var why = state.Difference(spec with { Iid = IidPattern.Rendezvous(NameSecret) });
        Assert.That(why, Does.Contain("rendezvous key differs").And.Contain(RendezvousVectors.KeyId).And.Contain(RendezvousVectors.NameKeyId));
        Assert.That(state.Difference(spec with { Iid = IidPattern.Rendezvous(Secret, 3) }), Does.Contain("window differs"), "other slots are another scan");
    }

    [Test]
    public void NextNetworkKeyIsValidated()
    {
        var key = new byte[32];
        var options = new WidescanOptions { ListenOnly = true, NextNetworkKey = new byte[8] };
        Assert.That(options.Validate(), Has.Some.Contains("without NetworkKey").And.Some.Contains("8 bytes"));
        Assert.That((options with { NetworkKey = key, NextNetworkKey = key }).Validate(), Has.Some.Contains("same key"));
        Assert.That((options with { NetworkKey = key, NextNetworkKey = Enumerable.Repeat((byte)1, 32).ToArray() }).Validate(), Is.Empty);
    }
}
