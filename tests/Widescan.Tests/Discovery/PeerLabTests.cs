using Widescan.Contracts;
using Widescan.Host.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// A sparse /112 holding K plain hosts and P Widescan listeners, each listener in its own namespace
/// (the demo's lab): the scan reports exactly the K hosts as alive and the P listeners as peers with
/// their node ids and ports, and each listener reports the scanner as a peer that probed it.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(90_000)]
public sealed class PeerLabTests
{
    // With an interface the listeners capture with libpcap; without one, on a raw ICMPv6 socket of
    // every interface, which learns each probe's destination from IPV6_PKTINFO to answer from it.
    [TestCase(true)]
    [TestCase(false)]
    public async Task The_scan_tells_plain_hosts_from_peers_and_every_peer_sees_the_scanner(bool listenersNameTheirInterface, CancellationToken cancellationToken)
    {
        Assume.That(Environment.IsPrivilegedProcess, "needs root to create network namespaces");
        using var lab = DemoLab.Create(hosts: 5, peers: 3, cancellationToken: cancellationToken);

        var listeners = lab.Peers.Select(peer => (Peer: peer, Run: ModuleInLab.Start(peer.Namespace, new WidescanOptions
        {
            ListenOnly = true,
            ListenDuration = TimeSpan.FromSeconds(8),
            Interface = listenersNameTheirInterface ? DemoLab.PeerInterface : null,
            NodeId = NodeId.Parse(peer.NodeId),
            ServicePort = (ushort)peer.Port,
            Log = new LogOptions { Console = false },
        }, cancellationToken))).ToList();

        var scannerId = NodeId.Parse(DemoLab.ScannerNodeId);
        var options = ModuleInLab.ScanOptions(DemoLab.ScanPrefix.ToString(), 50_000) with
        {
            Interface = DemoLab.ScannerInterface,
            NodeId = scannerId,
            ServicePort = 4000,
        };
        var events = await ModuleInLab.RunAsync(lab.Scanner, options, cancellationToken);
        var heard = new List<(DemoPeer Peer, List<DiscoveryEvent> Events)>();
        foreach (var (peer, run) in listeners)
            heard.Add((peer, await run.ToListAsync()));

        var alive = events.OfType<HostAlive>().Select(a => Ipv6Address.Format(a.Address)).ToList();
        var peers = events.OfType<PeerDiscovered>().ToList();
        TestContext.Out.WriteLine($"alive: {string.Join(' ', alive)}; peers: {string.Join(' ', peers.Select(p => $"{Ipv6Address.Format(p.Address)}/{p.NodeId}/{p.Port}/{p.How}"))}");
        Assert.Multiple(() =>
        {
            Assert.That(alive, Is.EquivalentTo(lab.Hosts.Select(h => Ipv6Address.Format(Ipv6Address.Parse(h)))), "exactly the plain hosts are alive");
            Assert.That(peers.Select(p => (Ipv6Address.Format(p.Address), p.NodeId.ToString(), (int)p.Port)),
                Is.EquivalentTo(lab.Peers.Select(p => (Ipv6Address.Format(Ipv6Address.Parse(p.Address)), p.NodeId, p.Port))),
                "exactly the listeners are peers, with their node ids and ports");
            Assert.That(peers.All(p => p.How == PeerDiscoveryMethod.AnsweredProbe && p.RoundTrip is not null), Is.True, "each peer answered a probe");
            foreach (var (peer, seen) in heard)
            {
                var scanner = seen.OfType<PeerDiscovered>().ToList();
                Assert.That(scanner, Has.Count.EqualTo(1), $"listener {peer.Number} reports one peer");
                Assert.That(scanner.Select(s => (Ipv6Address.Format(s.Address), s.NodeId, s.How)),
                    Is.EqualTo(new[] { (DemoLab.ScannerAddress, scannerId, PeerDiscoveryMethod.ProbedUs) }), $"listener {peer.Number} saw the scanner");
                Assert.That(seen.OfType<ProbeReceived>().Single().Answered, Is.True, $"listener {peer.Number} answered the probe");
            }
        });
    }
}
