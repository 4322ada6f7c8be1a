using Widescan.Plugin.Probing;
using static Widescan.Tests.Probing.WireTestData;

namespace Widescan.Tests.Probing;

/// <summary>Round trips: what the writers produce, the classifier recognises, through every entry point.</summary>
public class ClassifierTests
{
    private static PacketClassifier Ourselves(bool keyed, ManualClock clock) => new(Ours(keyed), Tag(), clock);

    [TestCase(false)]
    [TestCase(true)]
    public void EchoOfOurProbeIsHostAliveWithTheRoundTripThroughEveryEntryPoint(bool keyed)
    {
        var clock = Clock(37);
        var classifier = Ourselves(keyed, clock);
        var echo = EchoOf(Probe(keyed, Target));
        var ipv6 = Ipv6(Target, Us, echo);
        foreach (var result in new[] { classifier.ClassifyIcmp(echo, Target, Us), classifier.ClassifyIpv6(ipv6), classifier.ClassifyEthernet(Ethernet(ipv6)) })
        {
            Assert.That(result.Kind, Is.EqualTo(PacketKind.HostAlive), result.ToString());
            Assert.That(result.Source, Is.EqualTo(Target));
            Assert.That(result.RoundTrip, Is.EqualTo(TimeSpan.FromMilliseconds(37)));
            Assert.That(result.NodeId, Is.EqualTo(OurNode));
        }

        Assert.That(classifier.Ignored.Total, Is.Zero);
    }

    [Test]
    public void KeyedEchoesOfManyTargetsAndTimestampsAllVerify()
    {
        // Exercises the cache of our own probe MACs across timestamps that share and evict slots.
        var classifier = Ourselves(true, Clock(100_000));
        for (int i = 0; i < 200; i++)
        {
            var target = Target + (UInt128)i;
            var result = classifier.ClassifyIcmp(EchoOf(Probe(true, target, Timestamp + (ulong)(i % 40))), target, Us);
            Assert.That(result.Kind, Is.EqualTo(PacketKind.HostAlive), $"{i}: {result}");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void PeerAnnounceAnsweringOurProbeIsAPeerThatAnsweredWithItsData(bool keyed)
    {
        var classifier = Ourselves(keyed, Clock(12));
        var announce = AnnounceAnswering(Probe(keyed, Target), keyed);
        var frame = Ethernet(Ipv6(Target, Us, announce));
        var result = classifier.ClassifyEthernet(frame);
        Assert.Multiple(() =>
        {
            Assert.That(result.Kind, Is.EqualTo(PacketKind.PeerDiscovered), result.ToString());
            Assert.That(result.Source, Is.EqualTo(Target));
            Assert.That(result.NodeId, Is.EqualTo(PeerNode));
            Assert.That(result.Port, Is.EqualTo(PeerPort));
            Assert.That(result.Authenticated, Is.EqualTo(keyed));
            Assert.That(result.AnsweredProbe, Is.True);
            Assert.That(result.RoundTrip, Is.EqualTo(TimeSpan.FromMilliseconds(12)));
            Assert.That(result.Data(frame).ToArray(), Is.EqualTo(PeerData));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AnnounceInAReplyThatAnswersNoProbeOfOursIsNotAPeer(bool keyed)
    {
        // Another source, so the tag does not match it: an earlier run's answer replayed, or one meant
        // for another scanner. (Keyed, the MAC already fails for the other source; unkeyed the tag decides.)
        var classifier = Ourselves(keyed, Clock());
        var announce = AnnounceAnswering(Probe(keyed, Target), keyed);
        var result = classifier.ClassifyIcmp(announce, Target + 1, Us);
        Assert.That(result.Kind, Is.EqualTo(PacketKind.Ignored));
        Assert.That(result.Reason, Is.EqualTo(keyed ? IgnoreReason.BadMac : IgnoreReason.UnsolicitedReply));
    }

    [Test]
    public void KeyedAnnounceAnsweringAProbeOfAnotherRunIsNotAPeer()
    {
        // Same addresses and a valid MAC, but the tag is of another run's secret.
        var announce = AnnounceAnswering(Probe(true, Target), true);
        var otherRun = new PacketClassifier(Ours(true), new ValidationTag(Enumerable.Repeat((byte)9, 16).ToArray()), Clock());
        var result = otherRun.ClassifyIcmp(announce, Target, Us);
        Assert.That(result.Reason, Is.EqualTo(IgnoreReason.UnsolicitedReply));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void UnsolicitedAnnounceInAnEchoRequestIsAPeer(bool keyed)
    {
        var writer = new AnnounceWriter(Peer(keyed), Clock(), 7);
        var message = new byte[writer.MessageLength];
        writer.WriteUnsolicited(message, Target, Us);
        var result = Ourselves(keyed, Clock(1000)).ClassifyIcmp(message, Target, Us);
        Assert.That(result.Kind, Is.EqualTo(PacketKind.PeerDiscovered));
        Assert.That(result.AnsweredProbe, Is.False);
        Assert.That(result.Authenticated, Is.EqualTo(keyed));
        Assert.That(result.Data(message).ToArray(), Is.EqualTo(PeerData));
    }

    [Test]
    public void WithoutAKeyAKeyedAnnounceIsAcceptedButUnauthenticated()
    {
        var announce = AnnounceAnswering(Probe(true, Target), true);
        var result = Ourselves(false, Clock()).ClassifyIcmp(announce, Target, Us);
        Assert.That(result.Kind, Is.EqualTo(PacketKind.PeerDiscovered));
        Assert.That(result.Authenticated, Is.False);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AnotherScannersProbeIsReceivedAndOurAnswerRoundTrips(bool keyed)
    {
        // The peer scans us: we see its probe, answer it, and the peer recognises our answer.
        var peerTag = new ValidationTag(Enumerable.Repeat((byte)0x5a, 16).ToArray());
        var peerWriter = new ProbeWriter(Peer(keyed), peerTag, Target);
        var probe = new byte[peerWriter.MessageLength];
        peerWriter.WriteMessage(probe, Timestamp);
        peerWriter.SetTarget(probe, Us);

        var ours = new PacketClassifier(new WireIdentity(OurNode, OurPort, keyed ? NetworkKey : default, "hi"u8), Tag(), Clock(3));
        var seen = ours.ClassifyEthernet(Ethernet(Ipv6(Target, Us, probe)));
        Assert.That(seen.Kind, Is.EqualTo(PacketKind.ProbeReceived), seen.ToString());
        Assert.That(seen.NodeId, Is.EqualTo(PeerNode));
        Assert.That(seen.Source, Is.EqualTo(Target));
        Assert.That(seen.Authenticated, Is.EqualTo(keyed));

        var announceWriter = new AnnounceWriter(new WireIdentity(OurNode, OurPort, keyed ? NetworkKey : default, "hi"u8), Clock(3), 99);
        var answer = new byte[WireFormat.MaxProbeLength];
        int length = announceWriter.WriteReply(answer, seen);
        Assert.That(length, Is.LessThanOrEqualTo(seen.MessageLength), "an answer is never larger than the probe");

        var peer = new PacketClassifier(Peer(keyed), peerTag, Clock(8));
        var back = peer.ClassifyIcmp(answer.AsSpan(0, length), Us, Target);
        Assert.Multiple(() =>
        {
            Assert.That(back.Kind, Is.EqualTo(PacketKind.PeerDiscovered), back.ToString());
            Assert.That(back.NodeId, Is.EqualTo(OurNode));
            Assert.That(back.Port, Is.EqualTo(OurPort));
            Assert.That(back.AnsweredProbe, Is.True);
            Assert.That(back.RoundTrip, Is.EqualTo(TimeSpan.FromMilliseconds(8)));
            Assert.That(back.Data(answer).ToArray(), Is.EqualTo("hi"u8.ToArray()));
        });
    }

    [Test]
    public void IgnoredPacketsAreCountedPerReason()
    {
        var classifier = Ourselves(false, Clock());
        var ping = new byte[] { 129, 0, 0, 0, 0, 1, 0, 1, (byte)'a', (byte)'b', (byte)'c', (byte)'d' };
        for (int i = 0; i < 3; i++)
            classifier.ClassifyIcmp(ping, Target, Us);
        classifier.ClassifyIcmp(new byte[3], Target, Us);
        Assert.That(classifier.Ignored[IgnoreReason.NotWidescan], Is.EqualTo(3));
        Assert.That(classifier.Ignored[IgnoreReason.Truncated], Is.EqualTo(1));
        Assert.That(classifier.Ignored.Total, Is.EqualTo(4));
    }

    [Test]
    public void ApplicationDataRangePointsIntoTheClassifiedBytesForEachEntryPoint()
    {
        var classifier = Ourselves(false, Clock());
        var announce = AnnounceAnswering(Probe(false, Target), false);
        var ipv6 = Ipv6(Target, Us, announce);
        var frame = Ethernet(ipv6);
        Assert.That(classifier.ClassifyIcmp(announce, Target, Us).Data(announce).ToArray(), Is.EqualTo(PeerData));
        Assert.That(classifier.ClassifyIpv6(ipv6).Data(ipv6).ToArray(), Is.EqualTo(PeerData));
        Assert.That(classifier.ClassifyEthernet(frame).Data(frame).ToArray(), Is.EqualTo(PeerData));
    }

    [Test]
    public void GenuineKeyedMessagesMeantForOthersNeverReachTheReplayCache()
    {
        // The review's attack: 20,000 genuine keyed probes captured elsewhere (valid MAC, fresh, to other
        // addresses), sent to our capture. Dropped as not for us before the cache, they leave room
        // for the announces and probes that are ours.
        var us = Us;
        var classifier = new PacketClassifier(Ours(true), Tag(), Clock(), isOwn: a => a == us);
        var scanner = new ProbeWriter(Peer(true), new ValidationTag(new byte[16]), Target);
        var probe = new byte[scanner.MessageLength];
        scanner.WriteMessage(probe, Timestamp);
        for (int i = 0; i < 20_000; i++)
        {
            var elsewhere = Widescan.Contracts.Ipv6Address.Parse("2001:db8:99::") + (UInt128)i;
            scanner.SetTarget(probe, elsewhere);
            Assert.That(classifier.ClassifyIcmp(probe, Target, elsewhere).Reason, Is.EqualTo(IgnoreReason.NotForUs));
        }

        scanner.SetTarget(probe, us);
        Assert.That(classifier.ClassifyIcmp(probe, Target, us).Kind, Is.EqualTo(PacketKind.ProbeReceived), "our own probe still fits the cache");
        var answer = AnnounceAnswering(Probe(true, Target), true);
        Assert.That(classifier.ClassifyIcmp(answer, Target, us).Kind, Is.EqualTo(PacketKind.PeerDiscovered), "and so does an answer to us");
    }
}
