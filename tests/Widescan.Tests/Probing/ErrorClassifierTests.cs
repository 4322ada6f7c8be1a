using System.Buffers.Binary;
using Widescan.Plugin.Probing;
using static Widescan.Tests.Probing.WireTestData;

namespace Widescan.Tests.Probing;

/// <summary>
/// ICMPv6 errors quoting our probes, through every entry point: each error type and code from a
/// router, quotes written by the real <see cref="ProbeWriter"/> (raw-socket and layer-2 forms), quotes
/// cut short, extension headers inside the quote, and the errors that must be ignored: a forged tag,
/// another run's nonce, another node's probe, somebody else's ping, other traffic.
/// </summary>
public class ErrorClassifierTests
{
    public enum Entry { Frame, Ipv6, Icmp }

    private static readonly UInt128 Far = Target + 0x77;

    // Every code RFC 4443 and its successors define for the four error types, and one beyond them.
    private static readonly (byte Type, byte Code)[] Errors =
    [
        (1, 0), (1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 200),
        (2, 0),
        (3, 0), (3, 1),
        (4, 0), (4, 1), (4, 2), (4, 3),
    ];

    public static IEnumerable<TestCaseData> EveryErrorEveryEntry() =>
        from e in Errors
        from entry in Enum.GetValues<Entry>()
        from keyed in new[] { false, true }
        select new TestCaseData(e.Type, e.Code, entry, keyed);

    [TestCaseSource(nameof(EveryErrorEveryEntry))]
    public void AnErrorQuotingOurProbeNamesTheTargetTheRouterTheTypeAndTheCode(byte type, byte code, Entry entry, bool keyed)
    {
        var classifier = new PacketClassifier(Ours(keyed), Tag(), Clock(30));
        var error = ErrorOf(type, code, SentProbe(keyed, Far));

        var result = Classify(classifier, entry, error);

        Assert.That(result.Kind, Is.EqualTo(PacketKind.TargetUnreachable), result.ToString());
        Assert.That(result.Target, Is.EqualTo(Far), "the target is the quoted destination");
        Assert.That(result.Source, Is.EqualTo(Router), "the source is the router that answered");
        Assert.That(result.IcmpType, Is.EqualTo(type));
        Assert.That(result.Code, Is.EqualTo(code));
        Assert.That(result.Timestamp, Is.EqualTo(Timestamp));
        Assert.That(result.RoundTrip, Is.EqualTo(TimeSpan.FromMilliseconds(30)));
        Assert.That(classifier.Ignored.Total, Is.Zero);
    }

    [Test]
    public void ALayer2ProbeFrameQuotedIsOursToo()
    {
        foreach (var keyed in new[] { false, true })
        {
            var writer = new ProbeWriter(Ours(keyed), Tag(), Us);
            var frame = new byte[writer.FrameLength];
            writer.WriteFrame(frame, new LinkAddressing(GatewayMac, OurMac, Us), Timestamp);
            writer.SetFrameTarget(frame, Target + 5);
            writer.SetFrameTarget(frame, Far); // reused for a second target, as the sender does

            var result = new PacketClassifier(Ours(keyed), Tag(), Clock()).ClassifyEthernet(Ethernet(ErrorPacket(ErrorOf(1, 3, frame[14..]))));

            Assert.That(result.Kind, Is.EqualTo(PacketKind.TargetUnreachable), $"keyed {keyed}: {result}");
            Assert.That(result.Target, Is.EqualTo(Far));
        }
    }

    [TestCase(false, 40 + 50)] // the IPv6 header and exactly the fields checked: tag, node id, timestamp, nonce
    [TestCase(false, 40 + 60)]
    [TestCase(true, 40 + 74)] // the MAC cut off
    public void AQuoteCutAfterTheCheckedFieldsIsStillOurs(bool keyed, int quoteLength)
    {
        var result = new PacketClassifier(Ours(keyed), Tag(), Clock()).ClassifyIpv6(ErrorPacket(ErrorOf(3, 0, SentProbe(keyed, Far), quoteLength)));
        Assert.That(result.Kind, Is.EqualTo(PacketKind.TargetUnreachable), result.ToString());
        Assert.That(result.Target, Is.EqualTo(Far));
    }

    [TestCase(0)]
    [TestCase(8)]
    [TestCase(39)] // inside the quoted IPv6 header
    [TestCase(40)] // the header alone
    [TestCase(41)] // one byte of the echo: its type
    [TestCase(48)] // the echo header: the tag, but not the timestamp
    [TestCase(40 + 49)] // one byte short of the nonce's end
    public void AQuoteTooShortToHoldTheTagTimestampAndNonceIsIgnoredAsTruncated(int quoteLength)
    {
        var classifier = new PacketClassifier(Ours(false), Tag(), Clock());
        var error = ErrorOf(1, 0, SentProbe(false, Far), quoteLength);
        foreach (var entry in Enum.GetValues<Entry>())
        {
            var result = Classify(classifier, entry, error);
            Assert.That(result.Reason, Is.EqualTo(IgnoreReason.QuoteTruncated), $"{entry}: {result}");
        }

        Assert.That(classifier.Ignored[IgnoreReason.QuoteTruncated], Is.EqualTo(3));
    }

    [Test]
    public void ExtensionHeadersInsideTheQuoteAreWalked()
    {
        (byte, byte[]) hopByHop = (0, [0, 0, 1, 4, 0, 0, 0, 0]);
        (byte, byte[]) destination = (60, [0, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        (byte, byte[]) atomic = (44, [0, 0, 0, 0, 0, 0, 0, 1]);
        var classifier = new PacketClassifier(Ours(false), Tag(), Clock());
        foreach (var chain in new[] { new[] { hopByHop }, [destination], [hopByHop, destination, atomic], [atomic] })
        {
            var invoking = SentProbe(false, Far, Timestamp, chain);
            var result = classifier.ClassifyIpv6(ErrorPacket(ErrorOf(4, 1, invoking)));
            Assert.That(result.Kind, Is.EqualTo(PacketKind.TargetUnreachable), $"{chain.Length} headers: {result}");
            Assert.That(result.Target, Is.EqualTo(Far));

            // Cut inside the chain, or inside the probe behind it.
            int headers = chain.Sum(h => h.Item2.Length);
            foreach (var cut in new[] { 40 + 4, 40 + headers - 1, 40 + headers + 49 })
                Assert.That(classifier.ClassifyIpv6(ErrorPacket(ErrorOf(4, 1, invoking, cut))).Reason, Is.EqualTo(IgnoreReason.QuoteTruncated), $"cut at {cut}");
        }
    }

    [Test]
    public void AQuoteWhosePacketIsNotOneOfOurProbesIsForeign()
    {
        var open = new PacketClassifier(Ours(false), Tag(), Clock());
        var probe = SentProbe(false, Far);
        var peerWriter = new ProbeWriter(Peer(false), new ValidationTag(new byte[16]), Us);
        var peerProbe = new byte[peerWriter.MessageLength];
        peerWriter.WriteMessage(peerProbe, Timestamp);
        peerWriter.SetTarget(peerProbe, Far);

        var cases = new Dictionary<string, byte[]>
        {
            ["another node's probe (a scanner beside us)"] = Ipv6(Us, Far, peerProbe),
            ["somebody else's ping"] = Ipv6(Us, Far, [128, 0, 0, 0, 0, 1, 0, 1, .. new byte[56]]),
            ["an echo reply of ours (not what a router quotes for a probe)"] = Ipv6(Us, Far, EchoOf(Probe(false, Far))),
            ["an echo request with code 1"] = Patched(probe, 41, 1),
            ["a UDP datagram"] = Patched(probe, 6, 17),
            ["an IPv4 packet"] = Patched(probe, 0, 0x45),
            ["a routing header still under way"] = SentProbe(false, Far, Timestamp, (43, [0, 2, 0, 1, 0, 0, 0, 0, .. new byte[16]])),
            ["a non-first fragment"] = SentProbe(false, Far, Timestamp, (44, [0, 0, 0, 0x08, 0, 0, 0, 1])),
            ["another version of the payload"] = Patched(probe, 40 + WireFormat.VersionOffset, 1),
            ["an announce"] = Patched(probe, 40 + WireFormat.MessageTypeOffset, 2),
            ["a jumbogram"] = Patched(Patched(probe, 4, 0), 5, 0),
        };

        foreach (var (name, invoking) in cases)
        {
            var result = open.ClassifyIpv6(ErrorPacket(ErrorOf(1, 0, invoking)));
            Assert.That(result.Reason, Is.EqualTo(IgnoreReason.ForeignError), $"{name}: {result}");
        }
    }

    [Test]
    public void AForgedOrStaleQuoteOfOurNodeIdIsIgnoredAsForged()
    {
        var open = new PacketClassifier(Ours(false), Tag(), Clock());
        var probe = SentProbe(false, Far);
        var identifier = 40 + WireFormat.IdentifierOffset;

        var cases = new Dictionary<string, byte[]>
        {
            ["a wrong tag"] = Patched(probe, identifier, (byte)(probe[identifier] ^ 0x01)),
            ["another destination under the target's tag"] = Readdressed(probe, Far + 1),
            ["another timestamp"] = Patched(probe, 40 + WireFormat.TimestampOffset + 7, 0xEE),
            ["an earlier run's probe (another secret, so another nonce and tag)"] = Ipv6(Us, Far, EarlierRunProbe()),
            ["another nonce"] = Patched(probe, 40 + WireFormat.NonceOffset, 0),
            ["the keyed flag on an unkeyed run"] = Patched(probe, 40 + WireFormat.FlagsOffset, 1),
            ["another port"] = Patched(probe, 40 + WireFormat.PortOffset, 0xFF),
        };

        foreach (var (name, invoking) in cases)
        {
            var result = open.ClassifyIpv6(ErrorPacket(ErrorOf(1, 0, invoking)));
            Assert.That(result.Reason, Is.EqualTo(IgnoreReason.ForgedError), $"{name}: {result}");
        }

        Assert.That(open.Ignored[IgnoreReason.ForgedError], Is.EqualTo(cases.Count));
    }

    [Test]
    public void TheErrorsOwnChecksumIsVerifiedOnTheLayer2AndIpv6Paths()
    {
        var classifier = new PacketClassifier(Ours(false), Tag(), Clock());
        var packet = ErrorPacket(ErrorOf(1, 0, SentProbe(false, Far)));
        packet[40 + 8 + 60] ^= 0x10; // inside the quote: the tag still checks, the checksum does not
        Assert.That(classifier.ClassifyIpv6(packet).Reason, Is.EqualTo(IgnoreReason.BadChecksum));
        Assert.That(classifier.ClassifyEthernet(Ethernet(packet)).Reason, Is.EqualTo(IgnoreReason.BadChecksum));
    }

    [Test]
    public void AnErrorShorterThanItsOwnHeaderIsTruncated()
    {
        var classifier = new PacketClassifier(Ours(false), Tag(), Clock());
        Assert.That(classifier.ClassifyIcmp([1, 0, 0, 0], Router, Us).Reason, Is.EqualTo(IgnoreReason.Truncated));
        Assert.That(classifier.ClassifyIcmp([1], Router, Us).Reason, Is.EqualTo(IgnoreReason.Truncated));
    }

    [Test]
    public void ClassifyingErrorsAllocatesNothing()
    {
        var classifier = new PacketClassifier(Ours(true), Tag(), Clock());
        var genuine = Ethernet(ErrorPacket(ErrorOf(1, 0, SentProbe(true, Far))));
        var forged = Ethernet(ErrorPacket(ErrorOf(1, 0, Patched(SentProbe(true, Far), 40 + WireFormat.IdentifierOffset, 0))));
        var icmp = ErrorOf(3, 0, SentProbe(true, Far));
        for (int i = 0; i < 100; i++) // warm up (tiering)
            Touch(classifier, genuine, forged, icmp);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int found = 0;
        for (int i = 0; i < 10_000; i++)
            found += Touch(classifier, genuine, forged, icmp);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(found, Is.EqualTo(20_000));
    }

    private static int Touch(PacketClassifier classifier, byte[] genuine, byte[] forged, byte[] icmp) =>
        (classifier.ClassifyEthernet(genuine).Kind == PacketKind.TargetUnreachable ? 1 : 0)
        + (classifier.ClassifyEthernet(forged).Kind == PacketKind.TargetUnreachable ? 1 : 0)
        + (classifier.ClassifyIcmp(icmp, Router, Us).Kind == PacketKind.TargetUnreachable ? 1 : 0);

    private static Classification Classify(PacketClassifier classifier, Entry entry, byte[] error) => entry switch
    {
        Entry.Frame => classifier.ClassifyEthernet(Ethernet(ErrorPacket(error))),
        Entry.Ipv6 => classifier.ClassifyIpv6(ErrorPacket(error)),
        _ => classifier.ClassifyIcmp(error, Router, Us),
    };

    private static byte[] Patched(byte[] bytes, int offset, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[offset] = value;
        return copy;
    }

    private static byte[] Readdressed(byte[] packet, UInt128 destination)
    {
        var copy = (byte[])packet.Clone();
        BinaryPrimitives.WriteUInt128BigEndian(copy.AsSpan(24), destination);
        return copy;
    }

    private static byte[] EarlierRunProbe()
    {
        var secret = (byte[])Secret.Clone();
        secret[0] ^= 0xFF;
        var writer = new ProbeWriter(Ours(false), new ValidationTag(secret), Us);
        var message = new byte[writer.MessageLength];
        writer.WriteMessage(message, Timestamp);
        writer.SetTarget(message, Far);
        return message;
    }
}
