using System.Buffers.Binary;
using Widescan.Plugin.Probing;
using static Widescan.Tests.Probing.WireTestData;

namespace Widescan.Tests.Probing;

/// <summary>The classifier finds the ICMPv6 message behind extension headers rather than at byte 40.</summary>
public class ExtensionHeaderTests
{
    private static readonly byte[] PadN8 = [0, 0, 1, 4, 0, 0, 0, 0];              // hop-by-hop / destination options, 8 bytes
    private static readonly byte[] PadN16 = [0, 1, 1, 12, .. new byte[12]];        // 16 bytes
    private static readonly byte[] RoutingDone = [0, 2, 0, 0, 0, 0, 0, 0, .. new byte[16]]; // segments left 0
    private static readonly byte[] AtomicFragment = [0, 0, 0, 0, 0, 0, 0, 7];
    private static readonly byte[] Auth = [0, 4, 0, 0, .. new byte[20]];           // AH: (4 + 2) * 4 = 24 bytes

    private static Classification Classify(params (byte, byte[])[] headers)
    {
        var classifier = new PacketClassifier(Ours(false), Tag(), Clock());
        return classifier.ClassifyEthernet(Ethernet(Ipv6(Target, Us, EchoOf(Probe(false, Target)), headers)));
    }

    [Test]
    public void EchoBehindAFullChainIsStillHostAlive()
    {
        var result = Classify((0, PadN8), (60, PadN16), (43, RoutingDone), (44, AtomicFragment), (51, Auth), (60, PadN8));
        Assert.That(result.Kind, Is.EqualTo(PacketKind.HostAlive), result.ToString());
    }

    [TestCase(0)]
    [TestCase(60)]
    [TestCase(43)]
    [TestCase(44)]
    [TestCase(51)]
    public void EchoBehindOneHeaderIsHostAlive(int type)
    {
        byte[] header = type switch { 43 => RoutingDone, 44 => AtomicFragment, 51 => Auth, _ => PadN8 };
        Assert.That(Classify(((byte)type, header)).Kind, Is.EqualTo(PacketKind.HostAlive));
    }

    [Test]
    public void HopByHopAfterAnotherHeaderIsRefused() =>
        Assert.That(Classify((60, PadN8), (0, PadN8)).Reason, Is.EqualTo(IgnoreReason.BadExtensionHeader));

    [Test]
    public void ChainLongerThanTheLimitIsRefused() =>
        Assert.That(Classify(Enumerable.Repeat(((byte)60, PadN8), Ipv6HeaderChain.MaxHeaders + 1).ToArray()).Reason, Is.EqualTo(IgnoreReason.BadExtensionHeader));

    [Test]
    public void ChainOfExactlyTheLimitIsAccepted() =>
        Assert.That(Classify(Enumerable.Repeat(((byte)60, PadN8), Ipv6HeaderChain.MaxHeaders).ToArray()).Kind, Is.EqualTo(PacketKind.HostAlive));

    [Test]
    public void FirstFragmentOfSeveralIsIgnored() =>
        Assert.That(Classify((44, [0, 0, 0, 1, 0, 0, 0, 7])).Reason, Is.EqualTo(IgnoreReason.Fragment));

    [TestCase(50)]
    [TestCase(59)]
    [TestCase(17)]
    public void ChainEndingElsewhereIsNotAnEcho(int next)
    {
        var packet = Ipv6(Target, Us, EchoOf(Probe(false, Target)), (60, PadN8));
        packet[40] = (byte)next;
        var result = new PacketClassifier(Ours(false), Tag(), Clock()).ClassifyIpv6(packet);
        Assert.That(result.Reason, Is.EqualTo(IgnoreReason.NotEcho));
    }

    [Test]
    public void HeaderLengthPastThePayloadIsTruncated()
    {
        var packet = Ipv6(Target, Us, EchoOf(Probe(false, Target)), (60, PadN8));
        packet[41] = 255; // (255 + 1) * 8 bytes claimed
        Assert.That(new PacketClassifier(Ours(false), Tag(), Clock()).ClassifyIpv6(packet).Reason, Is.EqualTo(IgnoreReason.Truncated));
    }

    [Test]
    public void LinkLayerPaddingAfterThePacketIsIgnoredByThePayloadLength()
    {
        var frame = Ethernet(Ipv6(Target, Us, EchoOf(Probe(false, Target))));
        var padded = frame.Concat(new byte[20]).ToArray();
        Assert.That(new PacketClassifier(Ours(false), Tag(), Clock()).ClassifyEthernet(padded).Kind, Is.EqualTo(PacketKind.HostAlive));
    }

    [Test]
    public void VlanTaggedFrameIsUnwrapped()
    {
        var frame = Ethernet(Ipv6(Target, Us, EchoOf(Probe(false, Target))));
        var tagged = new byte[frame.Length + 4];
        frame.AsSpan(0, 12).CopyTo(tagged);
        BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(12), 0x8100);
        BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(14), 42);
        frame.AsSpan(12).CopyTo(tagged.AsSpan(16));
        Assert.That(new PacketClassifier(Ours(false), Tag(), Clock()).ClassifyEthernet(tagged).Kind, Is.EqualTo(PacketKind.HostAlive));
    }
}
