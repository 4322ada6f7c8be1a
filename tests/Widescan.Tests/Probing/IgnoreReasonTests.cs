using System.Buffers.Binary;
using Widescan.Plugin.Probing;
using static Widescan.Tests.Probing.WireTestData;

namespace Widescan.Tests.Probing;

/// <summary>One packet per ignore reason, each built from a valid one with a single defect.</summary>
public class IgnoreReasonTests
{
    private delegate Classification Case(PacketClassifier keyed, PacketClassifier open);

    private static readonly Dictionary<string, (IgnoreReason Expected, Case Classify)> Cases = new()
    {
        ["empty frame"] = (IgnoreReason.Truncated, (k, o) => o.ClassifyEthernet([])),
        ["frame shorter than its IPv6 header"] = (IgnoreReason.Truncated, (k, o) => o.ClassifyEthernet(Ethernet(Ipv6(Target, Us, EchoOf(Probe(false, Target))))[..40])),
        ["IPv6 payload length past the end"] = (IgnoreReason.Truncated, (k, o) => o.ClassifyIpv6(Ipv6(Target, Us, EchoOf(Probe(false, Target)))[..^1])),
        ["message one byte short of its declared length"] = (IgnoreReason.Truncated, (k, o) => o.ClassifyIcmp(EchoOf(Probe(false, Target))[..^1], Target, Us)),
        ["IPv4 EtherType"] = (IgnoreReason.NotIpv6, (k, o) => o.ClassifyEthernet(EtherType(Ethernet(Ipv6(Target, Us, EchoOf(Probe(false, Target)))), 0x0800))),
        ["version nibble 4"] = (IgnoreReason.NotIpv6, (k, o) => o.ClassifyIpv6(Patched(Ipv6(Target, Us, EchoOf(Probe(false, Target))), 0, 0x45))),
        ["neighbour solicitation"] = (IgnoreReason.NotEcho, (k, o) => o.ClassifyIpv6(Ipv6(Target, Us, Patched(EchoOf(Probe(false, Target)), 0, 135)))),
        ["echo with code 1"] = (IgnoreReason.NotEcho, (k, o) => o.ClassifyIcmp(Patched(EchoOf(Probe(false, Target)), 1, 1), Target, Us)),
        ["routing header with segments left"] = (IgnoreReason.BadExtensionHeader, (k, o) => o.ClassifyIpv6(Ipv6(Target, Us, EchoOf(Probe(false, Target)), (43, [0, 2, 0, 1, 0, 0, 0, 0, .. new byte[16]])))),
        ["non-first fragment"] = (IgnoreReason.Fragment, (k, o) => o.ClassifyIpv6(Ipv6(Target, Us, EchoOf(Probe(false, Target)), (44, [0, 0, 0, 0x08, 0, 0, 0, 1])))),
        ["bad checksum"] = (IgnoreReason.BadChecksum, (k, o) => o.ClassifyIpv6(Patched(Ipv6(Target, Us, EchoOf(Probe(false, Target))), 42, 0x55))),
        ["somebody else's ping"] = (IgnoreReason.NotWidescan, (k, o) => o.ClassifyIcmp([129, 0, 0, 0, 0, 1, 0, 1, .. "abcdefghijklmnop"u8], Target, Us)),
        ["version 1"] = (IgnoreReason.UnknownVersion, (k, o) => o.ClassifyIcmp(Patched(EchoOf(Probe(false, Target)), WireFormat.VersionOffset, 1), Target, Us)),
        ["data length 25"] = (IgnoreReason.Malformed, (k, o) => o.ClassifyIcmp(Patched(EchoOf(Probe(false, Target)), WireFormat.DataLengthOffset, 25), Target, Us)),
        ["message type 3"] = (IgnoreReason.Malformed, (k, o) => o.ClassifyIcmp(Patched(EchoOf(Probe(false, Target)), WireFormat.MessageTypeOffset, 3), Target, Us)),
        ["trailing byte"] = (IgnoreReason.Malformed, (k, o) => o.ClassifyIcmp([.. EchoOf(Probe(false, Target)), 0], Target, Us)),
        ["our own probe, captured on its way out"] = (IgnoreReason.OwnPacket, (k, o) => o.ClassifyIpv6(Ipv6(Us, Target, Probe(false, Target)))),
        ["our own announce, captured on its way out"] = (IgnoreReason.OwnPacket, (k, o) => o.ClassifyIcmp(OwnAnnounce(), Us)),
        ["echo of our probe from another source"] = (IgnoreReason.WrongTag, (k, o) => o.ClassifyIcmp(EchoOf(Probe(false, Target)), Target + 1, Us)),
        ["echo of our probe with another timestamp"] = (IgnoreReason.WrongTag, (k, o) => o.ClassifyIcmp(Patched(EchoOf(Probe(false, Target)), WireFormat.TimestampOffset + 7, 1), Target, Us)),
        ["echo of our probe with another nonce"] = (IgnoreReason.WrongTag, (k, o) => o.ClassifyIcmp(Patched(EchoOf(Probe(false, Target)), WireFormat.NonceOffset, 0), Target, Us)),
        ["echo of our probe with non-zero padding"] = (IgnoreReason.WrongTag, (k, o) => o.ClassifyIcmp(Patched(EchoOf(Probe(false, Target)), WireFormat.DataOffset + 3, 9), Target, Us)),
        ["echo of the peer's probe"] = (IgnoreReason.ForeignProbe, (k, o) => o.ClassifyIcmp(EchoOf(PeerProbe(false)), Target, Us)),
        ["unkeyed announce to a keyed node"] = (IgnoreReason.Unauthenticated, (k, o) => k.ClassifyIcmp(AnnounceAnswering(Probe(false, Target), false), Target, Us)),
        ["unkeyed probe to a keyed node"] = (IgnoreReason.Unauthenticated, (k, o) => k.ClassifyIcmp(PeerProbe(false), Target, Us)),
        ["announce with altered data"] = (IgnoreReason.BadMac, (k, o) => k.ClassifyIcmp(Patched(AnnounceAnswering(Probe(true, Target), true), WireFormat.DataOffset, (byte)'W'), Target, Us)),
        ["announce under another key"] = (IgnoreReason.BadMac, (k, o) => k.ClassifyIcmp(ForeignKeyAnnounce(), Target, Us)),
        ["keyed echo of our probe with an altered MAC"] = (IgnoreReason.BadMac, (k, o) => k.ClassifyIcmp(Patched(EchoOf(Probe(true, Target)), 80, 0), Target, Us)),
        ["announce 61 s old"] = (IgnoreReason.Stale, (k, o) => new PacketClassifier(Ours(true), Tag(), Clock(61_000)).ClassifyIcmp(AnnounceAnswering(Probe(true, Target), true), Target, Us)),
        ["announce 61 s ahead"] = (IgnoreReason.Stale, (k, o) => new PacketClassifier(Ours(true), Tag(), Clock(-61_000)).ClassifyIcmp(AnnounceAnswering(Probe(true, Target), true), Target, Us)),
        ["announce in a reply to no probe of ours"] = (IgnoreReason.UnsolicitedReply, (k, o) => o.ClassifyIcmp(AnnounceAnswering(Probe(false, Target), false), Target + 1, Us)),
        ["announce seen twice"] = (IgnoreReason.Replay, (k, o) => Twice(k, AnnounceAnswering(Probe(true, Target), true))),
        ["probe to an address that is not ours (in transit)"] = (IgnoreReason.NotForUs, (k, o) =>
            new PacketClassifier(Ours(true), Tag(), Clock(), isOwn: a => a == Target).ClassifyIcmp(PeerProbe(true), Target, Us)),
        ["error quoting somebody else's ping"] = (IgnoreReason.ForeignError, (k, o) => o.ClassifyIpv6(ErrorPacket(ErrorOf(1, 0, Ipv6(Us, Target, [128, 0, 0, 0, 0, 1, 0, 1, .. new byte[56]]))))),
        ["error whose quote ends before the timestamp"] = (IgnoreReason.QuoteTruncated, (k, o) => o.ClassifyIpv6(ErrorPacket(ErrorOf(1, 0, SentProbe(false, Target), 48)))),
        ["error quoting our probe with a wrong tag"] = (IgnoreReason.ForgedError, (k, o) => o.ClassifyIcmp(ForgedTagError(), Router, Us)),
        ["error from our own address (our kernel: neighbour discovery failed)"] = (IgnoreReason.OwnError, (k, o) =>
            new PacketClassifier(Ours(false), Tag(), Clock(), isOwn: a => a == Us).ClassifyIcmp(ErrorOf(1, 3, SentProbe(false, Target)), Us, Us)),
    };

    public static IEnumerable<string> CaseNames => Cases.Keys;

    [TestCaseSource(nameof(CaseNames))]
    public void DefectiveVariantIsIgnoredForItsReasonAndCounted(string name)
    {
        var (expected, classify) = Cases[name];
        var keyed = new PacketClassifier(Ours(true), Tag(), Clock());
        var open = new PacketClassifier(Ours(false), Tag(), Clock());
        var result = classify(keyed, open);
        Assert.That(result.Kind, Is.EqualTo(PacketKind.Ignored), result.ToString());
        Assert.That(result.Reason, Is.EqualTo(expected));
    }

    [Test]
    public void EveryReasonHasACase()
    {
        var covered = Cases.Values.Select(c => c.Expected).ToHashSet();
        var all = Enum.GetValues<IgnoreReason>().Where(r => r != IgnoreReason.None);
        Assert.That(all.Where(r => !covered.Contains(r)), Is.Empty);
    }

    private static byte[] Patched(byte[] bytes, int offset, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[offset] = value;
        return copy;
    }

    private static byte[] ForgedTagError()
    {
        var error = ErrorOf(1, 0, SentProbe(false, Target));
        error[8 + 40 + WireFormat.SequenceOffset] ^= 0x01;
        return error;
    }

    private static byte[] EtherType(byte[] frame, ushort type)
    {
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), type);
        return frame;
    }

    private static byte[] PeerProbe(bool keyed)
    {
        var writer = new ProbeWriter(Peer(keyed), new ValidationTag(new byte[16]), Target);
        var probe = new byte[writer.MessageLength];
        writer.WriteMessage(probe, Timestamp);
        writer.SetTarget(probe, Us);
        return probe;
    }

    private static byte[] OwnAnnounce()
    {
        var writer = new AnnounceWriter(Ours(false), Clock(), 1);
        var message = new byte[writer.MessageLength];
        writer.WriteUnsolicited(message, Target, Us);
        return message;
    }

    private static byte[] ForeignKeyAnnounce()
    {
        var writer = new AnnounceWriter(new WireIdentity(PeerNode, PeerPort, new byte[32], PeerData), Clock(), 1);
        var message = new byte[writer.MessageLength];
        writer.WriteUnsolicited(message, Target, Us);
        return message;
    }

    private static Classification Twice(PacketClassifier classifier, byte[] message)
    {
        var first = classifier.ClassifyIcmp(message, Target, Us);
        Assert.That(first.Kind, Is.EqualTo(PacketKind.PeerDiscovered), "the first copy is a peer");
        return classifier.ClassifyIcmp(message, Target, Us);
    }
}
