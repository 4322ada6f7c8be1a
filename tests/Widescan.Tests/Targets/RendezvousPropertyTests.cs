using Widescan.Contracts;
using Widescan.Plugin.Targets;

namespace Widescan.Tests.Targets;

/// <summary>Properties of the rendezvous derivation: stable, keyed by key, /64 and slot, never a reserved or EUI-64-shaped IID.</summary>
public class RendezvousPropertyTests
{
    private static readonly (ulong K0, ulong K1) Keys = RendezvousIid.Keys(Convert.FromHexString(RendezvousVectors.KeySecret));
    private static readonly (ulong K0, ulong K1) OtherKeys = RendezvousIid.Keys(RendezvousIid.Secret("another network key, 32 bytes.."u8));

    [TestCase(0x0000_0000_0000_0000UL, TestName = "AllZerosIsTheSubnetRouterAnycast")]
    [TestCase(0xFDFF_FFFF_FFFF_FF80UL, TestName = "ReservedAnycastLowEnd")]
    [TestCase(0xFDFF_FFFF_FFFF_FFFFUL, TestName = "ReservedAnycastHighEnd")]
    [TestCase(0x0250_56FF_FE12_3456UL, TestName = "Eui64Shaped")]
    [TestCase(0x0000_00FF_FE00_0000UL, TestName = "Eui64ShapedWithZeros")]
    [TestCase(0x0000_5EFE_C000_0201UL, TestName = "IsatapLocal")]
    [TestCase(0x0200_5EFE_C000_0201UL, TestName = "IsatapUniversal")]
    public void RefusedIdentifiers(ulong iid) => Assert.That(RendezvousIid.Acceptable(iid), Is.False);

    [TestCase(0x0000_0000_0000_0001UL, TestName = "One")]
    [TestCase(0xFDFF_FFFF_FFFF_FF7FUL, TestName = "JustBelowReservedAnycast")]
    [TestCase(0xFEFF_FFFF_FFFF_FF80UL, TestName = "AnycastShapeWithAnotherTop")]
    [TestCase(0x0250_56FF_FD12_3456UL, TestName = "FfFdIsNotEui64")]
    [TestCase(0x0250_56FE_FF12_3456UL, TestName = "FeFfIsNotEui64")]
    [TestCase(0x0100_5EFE_C000_0201UL, TestName = "Not5efeWithAnotherTop")]
    [TestCase(0x0000_5EFF_C000_0201UL, TestName = "NearlyIsatap")]
    public void AcceptedIdentifiers(ulong iid) => Assert.That(RendezvousIid.Acceptable(iid), Is.True);

    [Test]
    public void ManyRandomSubnetsNeverGiveARefusedIdentifier()
    {
        // 200,000 /64s x 2 slots, seeded: about 6 whose first hash is refused are expected (2^-16 each).
        var random = new Random(12);
        var counterUsed = 0;
        for (var n = 0; n < 200_000; n++)
        {
            var hi = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
            for (ulong slot = 0; slot < 2; slot++)
            {
                var iid = RendezvousIid.Iid(Keys.K0, Keys.K1, hi, slot);
                if (!RendezvousIid.Acceptable(iid))
                    Assert.Fail($"/64 {hi:x16} slot {slot} gave the refused {iid:x16}");
                if (iid != Plugin.Probing.SipHash.Hash3(Keys.K0, Keys.K1, hi, slot, 0))
                    counterUsed++;
            }
        }

        Assert.That(counterUsed, Is.InRange(1, 40), "the counter steps past refused hashes, about 2^-16 of the time");
    }

    [Test]
    public void AddressesAreStableAndDifferByKeySubnetAndSlot()
    {
        var subnet = Ipv6Address.Parse("2001:db8:4:5::");
        var a = RendezvousIid.Address(Keys.K0, Keys.K1, subnet, 0);
        Assert.That(RendezvousIid.Address(Keys.K0, Keys.K1, subnet | 0x1234, 0), Is.EqualTo(a), "any address of the /64 names it");
        Assert.That(a >> 64, Is.EqualTo(subnet >> 64), "the address lies in its /64");
        Assert.That(RendezvousIid.Address(OtherKeys.K0, OtherKeys.K1, subnet, 0), Is.Not.EqualTo(a), "another key");
        Assert.That(RendezvousIid.Address(Keys.K0, Keys.K1, subnet + (UInt128.One << 64), 0) & ulong.MaxValue, Is.Not.EqualTo(a & ulong.MaxValue), "another /64");
        Assert.That(RendezvousIid.Address(Keys.K0, Keys.K1, subnet, 1), Is.Not.EqualTo(a), "another slot");

        // Every slot of a /64 and every /64 of a range apart: 4,096 x 16 identifiers, none repeated.
        var seen = new HashSet<ulong>();
        for (ulong hi = 0x2001_0db8_0000_0000; hi < 0x2001_0db8_0000_1000; hi++)
        {
            for (ulong slot = 0; slot < 16; slot++)
                Assert.That(seen.Add(RendezvousIid.Iid(Keys.K0, Keys.K1, hi, slot)), Is.True);
        }
    }
}
