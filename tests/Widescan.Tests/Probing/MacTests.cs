using System.Buffers.Binary;
using System.Security.Cryptography;
using Widescan.Plugin.Probing;

namespace Widescan.Tests.Probing;

/// <summary>The version-2 MAC: SipHash-2-4-128 under an HKDF-derived key, over both addresses, type, code, tag and payload.</summary>
public class MacTests
{
    [Test]
    public void MacIsSipHash128UnderTheDerivedKeyOverAddressesHeaderAndPayload()
    {
        // Built here independently: HKDF from the BCL, the covered bytes laid out by hand.
        var macKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, WireTestData.NetworkKey, 16, salt: [], info: "widescan mac v2"u8.ToArray());
        ulong k0 = BinaryPrimitives.ReadUInt64LittleEndian(macKey), k1 = BinaryPrimitives.ReadUInt64LittleEndian(macKey.AsSpan(8));
        var identity = WireTestData.Ours(true);
        var random = new Random(7);
        var message = new byte[74];
        var mac = new byte[16];
        var expected = new byte[16];
        for (int i = 0; i < 500; i++)
        {
            random.NextBytes(message);
            UInt128 source = ((UInt128)(ulong)random.NextInt64() << 64) | (ulong)random.NextInt64();
            UInt128 destination = source ^ (UInt128)(ulong)random.NextInt64();
            byte type = (byte)(128 + (i & 1));
            identity.ComputeMac(source, destination, type, message, mac);

            var covered = new byte[32 + 6 + 66];
            BinaryPrimitives.WriteUInt128BigEndian(covered, source);
            BinaryPrimitives.WriteUInt128BigEndian(covered.AsSpan(16), destination);
            covered[32] = type;
            covered[33] = message[1];
            message.AsSpan(4, 4).CopyTo(covered.AsSpan(34));
            message.AsSpan(8).CopyTo(covered.AsSpan(38));
            SipHash.Hash128(k0, k1, covered, expected);
            Assert.That(mac, Is.EqualTo(expected), $"message {i}");
        }
    }

    [Test]
    public void MacChangesWithEveryCoveredFieldAndNotWithTheChecksum()
    {
        var identity = WireTestData.Ours(true);
        var message = WireTestData.Probe(true, WireTestData.Target)[..74];
        var baseline = Mac(identity, WireTestData.Us, WireTestData.Target, 128, message);
        Assert.Multiple(() =>
        {
            Assert.That(Mac(identity, WireTestData.Us + 1, WireTestData.Target, 128, message), Is.Not.EqualTo(baseline), "source");
            Assert.That(Mac(identity, WireTestData.Us, WireTestData.Target + 1, 128, message), Is.Not.EqualTo(baseline), "destination");
            Assert.That(Mac(identity, WireTestData.Target, WireTestData.Us, 128, message), Is.Not.EqualTo(baseline), "addresses swapped");
            Assert.That(Mac(identity, WireTestData.Us, WireTestData.Target, 129, message), Is.Not.EqualTo(baseline), "type");
            for (int offset = 0; offset < message.Length; offset++)
            {
                var changed = (byte[])message.Clone();
                changed[offset] ^= 0x01;
                bool covered = offset is not (0 or 2 or 3); // the type is passed on its own; the checksum is the kernel's on the raw path
                Assert.That(Mac(identity, WireTestData.Us, WireTestData.Target, 128, changed).SequenceEqual(baseline), Is.EqualTo(!covered), $"byte {offset}");
            }
        });
    }

    [Test]
    public void MacKeyIsNotTheNetworkKeyAndDiffersPerKey()
    {
        var other = new WireIdentity(WireTestData.OurNode, 1, Enumerable.Range(0, 40).Select(i => (byte)i).ToArray());
        var message = WireTestData.Probe(true, WireTestData.Target)[..74];
        Assert.That(Mac(other, WireTestData.Us, WireTestData.Target, 128, message), Is.Not.EqualTo(Mac(WireTestData.Ours(true), WireTestData.Us, WireTestData.Target, 128, message)));
    }

    private static byte[] Mac(WireIdentity identity, UInt128 source, UInt128 destination, byte type, byte[] message)
    {
        var mac = new byte[16];
        identity.ComputeMac(source, destination, type, message, mac);
        return mac;
    }
}
