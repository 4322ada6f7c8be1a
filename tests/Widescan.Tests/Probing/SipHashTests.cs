using System.Buffers.Binary;
using Widescan.Contracts;
using Widescan.Plugin.Probing;

namespace Widescan.Tests.Probing;

public class SipHashTests
{
    private static readonly byte[] ReferenceKey = [.. Enumerable.Range(0, 16).Select(i => (byte)i)];

    // From the SipHash paper (Aumasson and Bernstein, 2012), key 00..0f, message 00..(n-1).
    [TestCase(0, 0x726fdb47dd0e0e31UL)]
    [TestCase(15, 0xa129ca6149be45e5UL)]
    public void MatchesTheReferenceVectors(int length, ulong expected)
    {
        var message = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        ulong k0 = BinaryPrimitives.ReadUInt64LittleEndian(ReferenceKey);
        ulong k1 = BinaryPrimitives.ReadUInt64LittleEndian(ReferenceKey.AsSpan(8));
        Assert.That(SipHash.Hash(k0, k1, message), Is.EqualTo(expected));
    }

    // The reference implementation's vectors.h (vectors_sip128), key 00..0f, message 00..(n-1).
    [TestCase(0, "a3817f04ba25a8e66df67214c7550293")]
    [TestCase(8, "3b62a9ba6258f5610f83e264f31497b4")]
    [TestCase(15, "5493e99933b0a8117e08ec0f97cfc3d9")]
    [TestCase(63, "5150d1772f50834a503e069a973fbd7c")]
    public void Hash128MatchesTheReferenceVectors(int length, string expected)
    {
        var message = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        ulong k0 = BinaryPrimitives.ReadUInt64LittleEndian(ReferenceKey);
        ulong k1 = BinaryPrimitives.ReadUInt64LittleEndian(ReferenceKey.AsSpan(8));
        var tag = new byte[16];
        SipHash.Hash128(k0, k1, message, tag);
        Assert.That(Convert.ToHexStringLower(tag), Is.EqualTo(expected));
    }

    [Test]
    public void ThreeWordFastPathEqualsTheGeneralForm()
    {
        var random = new Random(1);
        var message = new byte[24];
        for (int i = 0; i < 1000; i++)
        {
            random.NextBytes(message);
            ulong k0 = (ulong)random.NextInt64(), k1 = (ulong)random.NextInt64();
            ulong fast = SipHash.Hash3(k0, k1,
                BinaryPrimitives.ReadUInt64LittleEndian(message),
                BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(8)),
                BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(16)));
            Assert.That(fast, Is.EqualTo(SipHash.Hash(k0, k1, message)));
        }
    }

    [Test]
    public void TagIsSipHashOfAddressAndTimestampInNetworkOrder()
    {
        var tag = new ValidationTag(ReferenceKey);
        var random = new Random(2);
        var message = new byte[24];
        for (int i = 0; i < 1000; i++)
        {
            random.NextBytes(message);
            UInt128 address = BinaryPrimitives.ReadUInt128BigEndian(message);
            ulong timestamp = BinaryPrimitives.ReadUInt64BigEndian(message.AsSpan(16));
            Assert.That(tag.Compute(address, timestamp), Is.EqualTo((uint)SipHash.Hash(0x0706050403020100, 0x0f0e0d0c0b0a0908, message)));
        }
    }

    [Test]
    public void TagDependsOnTheSecretTheDestinationAndTheTimestamp()
    {
        var a = new ValidationTag(ReferenceKey);
        var b = new ValidationTag(new byte[16]);
        var target = Ipv6Address.Parse("2001:db8::1");
        Assert.Multiple(() =>
        {
            Assert.That(a.Compute(target, 1), Is.Not.EqualTo(b.Compute(target, 1)));
            Assert.That(a.Compute(target, 1), Is.Not.EqualTo(a.Compute(target + 1, 1)));
            Assert.That(a.Compute(target, 1), Is.Not.EqualTo(a.Compute(target, 2)));
            Assert.That(a.ProbeNonce, Is.Not.EqualTo(b.ProbeNonce));
        });
    }

    [Test]
    public void SecretOfTheWrongLengthIsRefusedWithItsLength()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new ValidationTag(new byte[8]));
        Assert.That(error!.Message, Does.Contain("8 bytes").And.Contain("16"));
    }
}
