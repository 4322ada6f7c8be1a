using Widescan.Plugin.Probing;

namespace Widescan.Tests.Probing;

/// <summary>
/// Key rotation on the listener: with a next key set, a probe signed under either key is a probe, and
/// the announce answering it is signed under the key that probe used, so a scanner on either key
/// accepts it; a third key is still refused.
/// </summary>
public class KeyRolloverTests
{
    private static readonly byte[] NextKey = "widescan golden vector key 00002"u8.ToArray();
    private static readonly byte[] OtherKey = "widescan golden vector key 00003"u8.ToArray();

    [TestCase(false)]
    [TestCase(true)]
    public void A_listener_in_a_rollover_answers_each_probe_under_the_key_it_came_with(bool scannerOnNext)
    {
        var scannerKey = scannerOnNext ? NextKey : WireTestData.NetworkKey;
        var probe = ProbeUnder(scannerKey);
        var listener = new WireIdentity(WireTestData.PeerNode, WireTestData.PeerPort, WireTestData.NetworkKey, WireTestData.PeerData, NextKey);
        var seen = new PacketClassifier(listener, new ValidationTag(new byte[16]), WireTestData.Clock()).ClassifyIcmp(probe, WireTestData.Us, WireTestData.Target);
        Assert.That(seen.Kind, Is.EqualTo(PacketKind.ProbeReceived), seen.ToString());
        Assert.That(seen.Key, Is.EqualTo(scannerOnNext ? WireIdentity.NextKey : WireIdentity.CurrentKey));

        var writer = new AnnounceWriter(listener, WireTestData.Clock(), 5);
        var reply = new byte[writer.MessageLength];
        writer.WriteReply(reply, seen);

        // The scanner knows only its own key: the announce must verify under it.
        var scanner = new PacketClassifier(new WireIdentity(WireTestData.OurNode, WireTestData.OurPort, scannerKey), WireTestData.Tag(), WireTestData.Clock(5));
        var answer = scanner.ClassifyIcmp(reply, WireTestData.Target, WireTestData.Us);
        Assert.Multiple(() =>
        {
            Assert.That(answer.Kind, Is.EqualTo(PacketKind.PeerDiscovered), answer.ToString());
            Assert.That(answer.Authenticated && answer.AnsweredProbe, Is.True);
            Assert.That(answer.NodeId, Is.EqualTo(WireTestData.PeerNode));
        });
    }

    [Test]
    public void Without_a_next_key_a_probe_under_the_next_key_is_refused_and_a_third_key_always_is()
    {
        var current = new WireIdentity(WireTestData.PeerNode, WireTestData.PeerPort, WireTestData.NetworkKey, WireTestData.PeerData);
        var rollover = new WireIdentity(WireTestData.PeerNode, WireTestData.PeerPort, WireTestData.NetworkKey, WireTestData.PeerData, NextKey);
        Assert.Multiple(() =>
        {
            Assert.That(Classify(current, ProbeUnder(NextKey)).Reason, Is.EqualTo(IgnoreReason.BadMac), "no next key: the next key's probe is another network's");
            Assert.That(Classify(rollover, ProbeUnder(OtherKey)).Reason, Is.EqualTo(IgnoreReason.BadMac), "a third key");
            Assert.That(Classify(rollover, ProbeUnder(NextKey)).Kind, Is.EqualTo(PacketKind.ProbeReceived));
        });
    }

    [Test]
    public void A_next_key_needs_a_current_key()
    {
        Assert.Throws<ArgumentException>(() => _ = new WireIdentity(WireTestData.PeerNode, 1, default, default, NextKey));
    }

    private static Classification Classify(WireIdentity listener, byte[] probe) =>
        new PacketClassifier(listener, new ValidationTag(new byte[16]), WireTestData.Clock()).ClassifyIcmp(probe, WireTestData.Us, WireTestData.Target);

    private static byte[] ProbeUnder(byte[] key)
    {
        var writer = new ProbeWriter(new WireIdentity(WireTestData.OurNode, WireTestData.OurPort, key), WireTestData.Tag(), WireTestData.Us);
        var message = new byte[writer.MessageLength];
        writer.WriteMessage(message, WireTestData.Timestamp);
        writer.SetTarget(message, WireTestData.Target);
        return message;
    }
}
