using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// With a network key, a namespace sending forged, altered, unauthenticated, stale and replayed
/// announces produces no peer; the one genuine announce does.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(60_000)]
public sealed class ForgedAnnounceTests
{
    private const string Attacker = "2001:db8:1::66";
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Test]
    public async Task Only_the_authentic_fresh_announce_is_a_peer(CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        lab.AddTargetAddress(Attacker);

        var listener = new WidescanOptions
        {
            ListenOnly = true,
            ListenDuration = TimeSpan.FromSeconds(2),
            Interface = NetnsLab.ScannerInterface,
            NetworkKey = Key,
            Log = new LogOptions { Console = false },
        };
        var running = ModuleInLab.Start(lab.Scanner, listener, cancellationToken);

        var genuineNode = NodeId.Parse("11111111111111111111111111111111");
        var scanner = Ipv6Address.Parse(NetnsLab.ScannerAddress);
        var peerAddress = Ipv6Address.Parse(NetnsLab.TargetAddress);
        var attackerAddress = Ipv6Address.Parse(Attacker);
        var genuine = Announce(new WireIdentity(genuineNode, 4001, Key), TimeProvider.System, peerAddress, scanner);
        var altered = (byte[])genuine.Clone();
        altered[WireFormat.PortOffset + 1] ^= 1;
        var attackerNode = NodeId.Parse("66666666666666666666666666666666");
        var forged = Announce(new WireIdentity(attackerNode, 4666, Enumerable.Repeat((byte)0xAA, 32).ToArray()), TimeProvider.System, attackerAddress, scanner);
        var unauthenticated = Announce(new WireIdentity(attackerNode, 4666), TimeProvider.System, attackerAddress, scanner);
        var stale = Announce(new WireIdentity(attackerNode, 4666, Key), new OffsetClock(TimeSpan.FromMinutes(-10)), attackerAddress, scanner);

        Send(lab, NetnsLab.TargetAddress, scanner, genuine);
        Thread.Sleep(100);
        foreach (var message in new[] { genuine, altered, forged, unauthenticated, stale })
            Send(lab, Attacker, scanner, message);

        var events = await running.ToListAsync();
        var peers = events.OfType<PeerDiscovered>().ToList();
        var summary = events.OfType<ScanFinished>().Single().Summary;
        TestContext.Out.WriteLine($"peers: {string.Join(", ", peers.Select(p => $"{Ipv6Address.Format(p.Address)} {p.NodeId}"))}; ignored {summary.Ignored} of {summary.PacketsReceived}");
        Assert.Multiple(() =>
        {
            Assert.That(peers, Has.Count.EqualTo(1), "only the genuine announce");
            Assert.That(peers[0].Address, Is.EqualTo(Ipv6Address.Parse(NetnsLab.TargetAddress)));
            Assert.That(peers[0].NodeId, Is.EqualTo(genuineNode));
            Assert.That(peers[0].Authenticated, Is.True);
            Assert.That(peers.Any(p => p.Address == Ipv6Address.Parse(Attacker)), Is.False);
            Assert.That(summary.Ignored, Is.GreaterThanOrEqualTo(5UL), "replayed, altered, forged, unauthenticated and stale announces");
        });
    }

    private static byte[] Announce(WireIdentity identity, TimeProvider time, UInt128 source, UInt128 destination)
    {
        var writer = new AnnounceWriter(identity, time);
        var message = new byte[writer.MessageLength];
        writer.WriteUnsolicited(message, source, destination);
        return message;
    }

    private static void Send(NetnsLab lab, string source, UInt128 destination, byte[] message)
    {
        using var sender = LabInjection.Sender(lab, source);
        Assert.That(LabInjection.Send(sender, destination, message), Is.True, "the lab could not send the test announce");
    }

    private sealed class OffsetClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
