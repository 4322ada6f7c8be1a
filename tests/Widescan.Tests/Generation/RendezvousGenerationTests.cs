using Widescan.Contracts;
using Widescan.Plugin.Targets;
using Widescan.Tests.Targets;

namespace Widescan.Tests.Generation;

/// <summary>The generator over a rendezvous window: every /64 x slot exactly once, at the derivation's address.</summary>
public class RendezvousGenerationTests
{
    private static readonly byte[] Secret = Convert.FromHexString(RendezvousVectors.KeySecret);
    private static readonly byte[] NextSecret = Convert.FromHexString(RendezvousVectors.NameSecret);

    internal static TargetSpec Window(string prefix, IidPattern pattern, ulong seed = 5) =>
        Streams.Spec(prefix, seed) with { SubnetBits = 64, Iid = pattern };

    private static HashSet<UInt128> Expected(string prefix, int slots, params byte[][] secrets)
    {
        var p = Ipv6Prefix.Parse(prefix);
        var expected = new HashSet<UInt128>();
        foreach (var secret in secrets)
        {
            var (k0, k1) = RendezvousIid.Keys(secret);
            for (UInt128 n = 0; n < UInt128.One << (64 - p.Length); n++)
            {
                for (var slot = 0; slot < slots; slot++)
                    expected.Add(RendezvousIid.Address(k0, k1, p.Network + (n << 64), slot));
            }
        }

        return expected;
    }

    [Test]
    public void EverySubnetAndSlotOnceAtItsRendezvousAddress()
    {
        var got = Streams.Drain(Streams.Cpu(), Window("2001:db8:40::/52", IidPattern.Rendezvous(Secret, 3)));
        Assert.That(got, Has.Count.EqualTo(4096 * 3));
        Assert.That(got.ToHashSet().SetEquals(Expected("2001:db8:40::/52", 3, Secret)), Is.True);
    }

    [Test]
    public void BothKeysProbeEachKeysSlots()
    {
        var got = Streams.Drain(Streams.Cpu(), Window("2001:db8:40::/56", IidPattern.Rendezvous(Secret, NextSecret, 2)));
        Assert.That(got, Has.Count.EqualTo(256 * 4));
        Assert.That(got.ToHashSet().SetEquals(Expected("2001:db8:40::/56", 2, Secret, NextSecret)), Is.True);
    }

    [Test]
    public void ShardsExclusionsAndSeveralPrefixesCompose()
    {
        var pattern = IidPattern.Rendezvous(Secret, 2);
        var (k0, k1) = RendezvousIid.Keys(Secret);
        var excludedAddress = RendezvousIid.Address(k0, k1, Ipv6Address.Parse("2001:db8:1::"), 1);
        var spec = Window("2001:db8:40::/56", pattern, seed: 9) with
        {
            Include = [Ipv6Prefix.Parse("2001:db8:40::/56"), Ipv6Prefix.Parse("2001:db8:1::/60")],
            Exclude = [Ipv6Prefix.Parse("2001:db8:40:80::/57"), new Ipv6Prefix(excludedAddress, 128)],
        };
        var shards = Enumerable.Range(0, 3).Select(i => Streams.Drain(Streams.Cpu(), spec with { Shard = new ShardSpec(i, 3) })).ToList();
        var all = shards.SelectMany(s => s).ToList();
        var expected = Expected("2001:db8:40::/57", 2, Secret);
        expected.UnionWith(Expected("2001:db8:1::/60", 2, Secret));
        expected.Remove(excludedAddress);
        Assert.That(all, Has.Count.EqualTo(expected.Count), "no target twice across the shards");
        Assert.That(all.ToHashSet().SetEquals(expected), Is.True);
    }

    [Test]
    public void FillAllocatesNothingPerBatch()
    {
        using var stream = Streams.Cpu(1).Open(Window("2001:db8::/40", IidPattern.Rendezvous(Secret)));
        var buffer = new UInt128[8192];
        stream.Fill(buffer);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 20; k++)
            stream.Fill(buffer);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
