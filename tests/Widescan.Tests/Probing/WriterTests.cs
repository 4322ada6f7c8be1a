using System.Buffers.Binary;
using Widescan.Plugin.Probing;

namespace Widescan.Tests.Probing;

public class WriterTests
{
    [TestCase(false, 74)]
    [TestCase(true, 90)]
    public void ProbesHaveAFixedLengthWithinTheCeiling(bool keyed, int expected)
    {
        var writer = new ProbeWriter(WireTestData.Ours(keyed), WireTestData.Tag(), WireTestData.Us);
        Assert.That(writer.MessageLength, Is.EqualTo(expected).And.LessThanOrEqualTo(WireFormat.MaxProbeLength));
        Assert.That(writer.FrameLength, Is.EqualTo(expected + 54));
    }

    [Test]
    public void AnnounceOfTheLargestDataNeverExceedsAProbeOfTheSameKeying()
    {
        foreach (bool keyed in new[] { false, true })
        {
            var identity = new WireIdentity(WireTestData.PeerNode, 1, keyed ? WireTestData.NetworkKey : default, new byte[24]);
            var announce = new AnnounceWriter(identity, TimeProvider.System, 1);
            Assert.That(announce.MessageLength, Is.LessThanOrEqualTo(new ProbeWriter(WireTestData.Ours(keyed), WireTestData.Tag(), WireTestData.Us).MessageLength));
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void SetTargetChangesOnlyTheTagAndWhenKeyedTheMac(bool keyed)
    {
        var writer = new ProbeWriter(WireTestData.Ours(keyed), WireTestData.Tag(), WireTestData.Us);
        var message = new byte[writer.MessageLength];
        writer.WriteMessage(message, WireTestData.Timestamp);
        var before = (byte[])message.Clone();
        writer.SetTarget(message, WireTestData.Target);
        var mac = new byte[16];
        if (keyed)
            WireTestData.Ours(true).ComputeMac(WireTestData.Us, WireTestData.Target, 128, message.AsSpan(0, 74), mac);
        Assert.Multiple(() =>
        {
            Assert.That(message[..4], Is.EqualTo(before[..4]));
            Assert.That(message[8..74], Is.EqualTo(before[8..74]));
            Assert.That(BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(4)), Is.EqualTo(WireTestData.Tag().Compute(WireTestData.Target, WireTestData.Timestamp)));
            if (keyed)
                Assert.That(message[74..], Is.EqualTo(mac), "the MAC covers this destination");
        });
    }

    [Test]
    public void ShortBuffersAreRefusedWithTheSizeNeeded()
    {
        var writer = new ProbeWriter(WireTestData.Ours(false), WireTestData.Tag(), WireTestData.Us);
        var message = Assert.Throws<ArgumentException>(() => writer.WriteMessage(new byte[73], 1));
        var frame = Assert.Throws<ArgumentException>(() => writer.WriteFrame(new byte[127], default, 1));
        var announce = Assert.Throws<ArgumentException>(() => new AnnounceWriter(WireTestData.Peer(false), TimeProvider.System).WriteUnsolicited(new byte[10], WireTestData.Target, WireTestData.Us));
        Assert.Multiple(() =>
        {
            Assert.That(message!.Message, Does.Contain("74 bytes").And.Contain("73"));
            Assert.That(frame!.Message, Does.Contain("128 bytes").And.Contain("127"));
            Assert.That(announce!.Message, Does.Contain("58 bytes").And.Contain("10"));
        });
    }

    [Test]
    public void IdentityRefusesOversizedDataAndShortKeys()
    {
        var data = Assert.Throws<ArgumentException>(() => _ = new WireIdentity(WireTestData.OurNode, 1, default, new byte[25]));
        var key = Assert.Throws<ArgumentException>(() => _ = new WireIdentity(WireTestData.OurNode, 1, new byte[8]));
        Assert.That(data!.Message, Does.Contain("25 bytes"));
        Assert.That(key!.Message, Does.Contain("8 bytes"));
    }

    [Test]
    public void AnnouncesTakeSuccessiveNoncesAndTheCurrentTime()
    {
        var clock = WireTestData.Clock(5);
        var writer = new AnnounceWriter(WireTestData.Peer(false), clock, 41);
        var first = new byte[writer.MessageLength];
        var second = new byte[writer.MessageLength];
        writer.WriteUnsolicited(first, WireTestData.Target, WireTestData.Us);
        clock.Advance(TimeSpan.FromMilliseconds(10));
        writer.WriteUnsolicited(second, WireTestData.Target, WireTestData.Us);
        Assert.Multiple(() =>
        {
            Assert.That(first[0], Is.EqualTo(WireFormat.EchoRequest));
            Assert.That(BinaryPrimitives.ReadUInt64BigEndian(first.AsSpan(WireFormat.NonceOffset)), Is.EqualTo(41));
            Assert.That(BinaryPrimitives.ReadUInt64BigEndian(second.AsSpan(WireFormat.NonceOffset)), Is.EqualTo(42));
            Assert.That(BinaryPrimitives.ReadUInt64BigEndian(first.AsSpan(WireFormat.TimestampOffset)), Is.EqualTo(WireTestData.Timestamp + 5_000), "microseconds");
            Assert.That(BinaryPrimitives.ReadUInt64BigEndian(second.AsSpan(WireFormat.TimestampOffset)), Is.EqualTo(WireTestData.Timestamp + 15_000));
        });
    }

    [Test]
    public void ReplyRefusesAnythingButAReceivedProbe()
    {
        var writer = new AnnounceWriter(WireTestData.Peer(false), TimeProvider.System, 1);
        var error = Assert.Throws<ArgumentException>(() => writer.WriteReply(new byte[90], Classification.Ignore(IgnoreReason.Truncated)));
        Assert.That(error!.Message, Does.Contain("Ignored"));
    }

    [Test]
    public void WriterRefusesToAnswerAProbeShorterThanItsAnnounce()
    {
        // A keyed announce with 24 bytes of data (90 bytes) cannot answer a 74-byte unkeyed probe.
        var identity = new WireIdentity(WireTestData.OurNode, 1, WireTestData.NetworkKey, new byte[24]);
        var writer = new AnnounceWriter(identity, TimeProvider.System, 1);
        var probe = new Classification { Kind = PacketKind.ProbeReceived, MessageLength = 74 };
        var error = Assert.Throws<ArgumentException>(() => writer.WriteReply(new byte[96], probe));
        Assert.That(error!.Message, Does.Contain("90 bytes").And.Contain("74-byte probe"));
    }
}
