using Widescan.Contracts;
using Widescan.Plugin.Targets;

namespace Widescan.Tests.Targets;

/// <summary>
/// The golden vectors of docs/rendezvous.md, printed by an independent Python implementation
/// (tests/tools/rendezvous-vectors.py: SipHash-2-4 and HKDF-SHA256 written from their specifications
/// and checked against their reference vectors). The C# derivation must give them byte for byte.
/// </summary>
public class RendezvousVectors
{
    /// <summary>The network key of the vectors: the bytes 00 to 1f.</summary>
    internal static readonly byte[] Key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    /// <summary>The name of the vectors' keyless network.</summary>
    internal const string Name = "widescan example network";

    internal const string KeySecret = "9f312b4cfdeb38bff0cadf02d1532e99";
    internal const string NameSecret = "62540ed7a38ef3d179dd7a41ef6f0ee1";
    internal const string KeyId = "8237bb20";
    internal const string NameKeyId = "fc08c3a0";

    private static readonly (string Secret, string Prefix, int Slot, int Counter, string Address)[] Vectors =
    [
        ("key", "2001:db8::/64", 0, 0, "2001:db8::bf35:9005:8369:7c6e"),
        ("key", "2001:db8::/64", 1, 0, "2001:db8::2313:1f98:6a30:5e0a"),
        ("key", "2001:db8::/64", 15, 0, "2001:db8::f9ce:9e55:e24e:2e3a"),
        ("key", "2001:db8:1234:5678::/64", 0, 0, "2001:db8:1234:5678:9560:af7c:84cd:5f0e"),
        ("key", "2001:db8:1234:5678::/64", 1, 0, "2001:db8:1234:5678:745:5de4:36d8:359"),
        ("key", "2001:db8:1234:5678::/64", 15, 0, "2001:db8:1234:5678:2442:39f1:7796:b6a"),
        ("key", "2001:db8:ffff:ffff::/64", 0, 0, "2001:db8:ffff:ffff:6b57:165d:3caf:d777"),
        ("key", "2001:db8:ffff:ffff::/64", 1, 0, "2001:db8:ffff:ffff:37b7:3d6a:38d1:3925"),
        ("key", "2001:db8:ffff:ffff::/64", 15, 0, "2001:db8:ffff:ffff:ab63:38e1:a34:d359"),
        ("name", "2001:db8::/64", 0, 0, "2001:db8::13b2:9c7c:9f7a:b2b7"),
        ("name", "2001:db8::/64", 1, 0, "2001:db8::1c18:899b:1161:1c01"),
        ("name", "2001:db8::/64", 15, 0, "2001:db8::8745:4172:2793:6e00"),
        ("name", "2001:db8:1234:5678::/64", 0, 0, "2001:db8:1234:5678:7ee0:1080:c403:6754"),
        ("name", "2001:db8:1234:5678::/64", 1, 0, "2001:db8:1234:5678:c2dd:464c:8c56:85a0"),
        ("name", "2001:db8:1234:5678::/64", 15, 0, "2001:db8:1234:5678:89bf:92ff:57de:294f"),
        ("name", "2001:db8:ffff:ffff::/64", 0, 0, "2001:db8:ffff:ffff:c3df:fb1f:d89c:7f6a"),
        ("name", "2001:db8:ffff:ffff::/64", 1, 0, "2001:db8:ffff:ffff:6b02:9f0d:99b1:6fd0"),
        ("name", "2001:db8:ffff:ffff::/64", 15, 0, "2001:db8:ffff:ffff:e088:a0:2bbf:663c"),
        // The script's search: here the c = 0 hash, b3ef51fffefa37e1, is EUI-64-shaped (ff:fe in bytes 3-4).
        ("key", "2001:db8:0:4142::/64", 0, 1, "2001:db8:0:4142:dd1a:3bc9:b73f:6fbe"),
    ];

    /// <summary>The vectors as (secret, /64, slot, counter, address).</summary>
    internal static IEnumerable<(byte[] Secret, Ipv6Prefix Prefix, int Slot, int Counter, UInt128 Address)> All() =>
        Vectors.Select(v => (Convert.FromHexString(v.Secret == "key" ? KeySecret : NameSecret),
            Ipv6Prefix.Parse(v.Prefix), v.Slot, v.Counter, Ipv6Address.Parse(v.Address)));

    [Test]
    public void TheSecretOfAKeyAndOfANameMatchTheVectors()
    {
        Assert.That(Convert.ToHexStringLower(RendezvousIid.Secret(Key)), Is.EqualTo(KeySecret));
        Assert.That(Convert.ToHexStringLower(RendezvousIid.SecretOfName(Name)), Is.EqualTo(NameSecret));
        Assert.That(Convert.ToHexStringLower(IidPattern.DeriveRendezvousSecret(Key)), Is.EqualTo(KeySecret), "the contracts derive the plugin's secret");
        Assert.That(Convert.ToHexStringLower(IidPattern.DeriveRendezvousSecret(Name)), Is.EqualTo(NameSecret));
        Assert.That(IidPattern.RendezvousKeyId(Convert.FromHexString(KeySecret)), Is.EqualTo(KeyId));
        Assert.That(IidPattern.RendezvousKeyId(Convert.FromHexString(NameSecret)), Is.EqualTo(NameKeyId));
    }

    [Test]
    public void EveryAddressMatchesTheVectors()
    {
        foreach (var (secret, prefix, slot, _, address) in All())
        {
            var (k0, k1) = RendezvousIid.Keys(secret);
            Assert.That(Ipv6Address.Format(RendezvousIid.Address(k0, k1, prefix.Network, slot)), Is.EqualTo(Ipv6Address.Format(address)),
                $"{prefix} slot {slot}");
            Assert.That(Ipv6Address.Format(IidPattern.Rendezvous(secret, 16).RendezvousAddress(prefix.Network, slot)), Is.EqualTo(Ipv6Address.Format(address)),
                $"the contracts' copy for hosts: {prefix} slot {slot}");
        }
    }

    [Test]
    public void TheCounterVectorNeedsItsRefusedFirstHash()
    {
        var (secret, prefix, slot, counter, address) = All().Single(v => v.Counter > 0);
        var (k0, k1) = RendezvousIid.Keys(secret);
        var hi = (ulong)(prefix.Network >> 64);
        var first = Plugin.Probing.SipHash.Hash3(k0, k1, hi, (ulong)slot, 0);
        Assert.That(first, Is.EqualTo(0xb3ef51fffefa37e1UL), "the c = 0 hash the script printed");
        Assert.That(RendezvousIid.Acceptable(first), Is.False, "EUI-64-shaped, so refused");
        Assert.That(RendezvousIid.Iid(k0, k1, hi, (ulong)slot), Is.EqualTo((ulong)address), $"the c = {counter} hash is taken");
    }
}
