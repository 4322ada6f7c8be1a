using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;
using Widescan.Plugin.Probing;
using static Widescan.Tests.Probing.WireTestData;

namespace Widescan.Tests.Probing;

/// <summary>
/// Captures written with SharpPcap's file writer (libpcap's dump format) and read back with its file
/// reader, each packet handed to the classifier as the listener will hand it: the capture's span.
/// </summary>
public class PcapReplayTests
{
    // libpcap's DLT_RAW on Linux (12): pcap_open_dead takes DLT values and writes LINKTYPE_RAW (101)
    // into the file; PacketDotNet's LinkLayers.Raw is the file value, which libpcap refuses here.
    private const LinkLayers DltRaw = (LinkLayers)12;

    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("widescan-pcap-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void EthernetCaptureReplaysIntoTheExpectedResults()
    {
        var keyedProbe = Probe(true, Target);
        var frames = new (byte[] Frame, PacketKind Kind, IgnoreReason Reason)[]
        {
            (Ethernet(Ipv6(Target, Us, EchoOf(keyedProbe))), PacketKind.HostAlive, IgnoreReason.None),
            (Ethernet(Ipv6(Target, Us, AnnounceAnswering(keyedProbe, true))), PacketKind.PeerDiscovered, IgnoreReason.None),
            (Ethernet(Ipv6(Target, Us, AnnounceAnswering(keyedProbe, true))), PacketKind.Ignored, IgnoreReason.Replay),
            (Ethernet(Ipv6(Us, Target, keyedProbe)), PacketKind.Ignored, IgnoreReason.OwnPacket),
            (Ethernet(Ipv6(Target + 1, Us, EchoOf(keyedProbe))), PacketKind.Ignored, IgnoreReason.WrongTag),
            (Ethernet(Ipv6(Target, Us, [129, 0, 0, 0, 0, 1, 0, 1, .. "plain ping payload"u8])), PacketKind.Ignored, IgnoreReason.NotWidescan),
            (Ethernet(Ipv6(Target, Us, EchoOf(keyedProbe), (44, [0, 0, 0, 8, 0, 0, 0, 1]))), PacketKind.Ignored, IgnoreReason.Fragment),
        };
        string path = Path.Combine(_directory, "ethernet.pcap");
        using (var writer = new CaptureFileWriterDevice(path))
        {
            writer.Open(linkLayerType: LinkLayers.Ethernet);
            foreach (var (frame, _, _) in frames)
                writer.Write(new RawCapture(LinkLayers.Ethernet, new PosixTimeval(DateTime.UtcNow), frame));
        }

        var classifier = new PacketClassifier(Ours(true), Tag(), Clock(40));
        var results = Replay(path, LinkLayers.Ethernet, data => classifier.ClassifyEthernet(data));
        Assert.That(results, Has.Count.EqualTo(frames.Length));
        for (int i = 0; i < frames.Length; i++)
        {
            Assert.That(results[i].Kind, Is.EqualTo(frames[i].Kind), $"frame {i}: {results[i]}");
            Assert.That(results[i].Reason, Is.EqualTo(frames[i].Reason), $"frame {i}");
        }

        Assert.That(results[0].RoundTrip, Is.EqualTo(TimeSpan.FromMilliseconds(40)));
        Assert.That(results[1].NodeId, Is.EqualTo(PeerNode));
        Assert.That(classifier.Ignored.Total, Is.EqualTo(5));
    }

    [Test]
    public void RawIpv6CaptureReplaysWithTheApplicationData()
    {
        var probe = Probe(false, Target);
        string path = Path.Combine(_directory, "raw.pcap");
        using (var writer = new CaptureFileWriterDevice(path))
        {
            writer.Open(linkLayerType: DltRaw);
            writer.Write(Ipv6(Target, Us, AnnounceAnswering(probe, false)));
            writer.Write(Ipv6(Target, Us, EchoOf(probe)));
        }

        var classifier = new PacketClassifier(Ours(false), Tag(), Clock());
        var data = new List<byte[]>();
        var results = Replay(path, DltRaw, bytes => { var r = classifier.ClassifyIpv6(bytes); data.Add(r.Data(bytes).ToArray()); return r; });
        Assert.That(results.Select(r => r.Kind), Is.EqualTo(new[] { PacketKind.PeerDiscovered, PacketKind.HostAlive }));
        Assert.That(data[0], Is.EqualTo(PeerData));
    }

    private delegate Classification Classify(ReadOnlySpan<byte> data);

    private static List<Classification> Replay(string path, LinkLayers expectedLink, Classify classify)
    {
        var results = new List<Classification>();
        using var reader = new CaptureFileReaderDevice(path);
        reader.Open();
        Assert.That(reader.LinkType, Is.EqualTo(expectedLink));
        while (reader.GetNextPacket(out var capture) == GetPacketStatus.PacketRead)
            results.Add(classify(capture.Data));
        return results;
    }
}
