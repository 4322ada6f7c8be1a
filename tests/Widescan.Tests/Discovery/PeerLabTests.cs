using Widescan.Contracts;
using Widescan.Host.Lab;
using Widescan.Tests.Lab;

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

    [Test]
    public async Task A_node_whose_address_is_on_lo_is_found_there_by_a_pcap_listener_on_its_interface(CancellationToken cancellationToken)
    {
        // The issue's case: libpcap captures on the veth, the probed address sits on lo. The answer must
        // leave from the lo address (a socket bound to it), so the peer is reported where it was probed,
        // with its round trip, and its address is not also a plain live host.
        Assume.That(Environment.IsPrivilegedProcess, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        const string onLo = "2001:db8:100::7";
        lab.AnswerSparse("2001:db8:100::/124", [onLo]);
        var node = NodeId.Parse("10101010101010101010101010101010");
        var listener = ModuleInLab.Start(lab.Target, new WidescanOptions
        {
            ListenOnly = true,
            ListenDuration = TimeSpan.FromSeconds(4),
            Interface = NetnsLab.TargetInterface,
            NodeId = node,
            ServicePort = 4007,
            Log = new LogOptions { Console = false },
        }, cancellationToken);
        Thread.Sleep(300);

        var events = await ModuleInLab.RunAsync(lab.Scanner, ModuleInLab.ScanOptions("2001:db8:100::/124", 2_000), cancellationToken);
        await listener.ToListAsync();
        var peers = events.OfType<PeerDiscovered>().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(peers.Select(p => Ipv6Address.Format(p.Address)), Is.EqualTo(new[] { onLo }), "reported at the probed address, not the interface's");
            Assert.That(peers.Single().How, Is.EqualTo(PeerDiscoveryMethod.AnsweredProbe));
            Assert.That(peers.Single().RoundTrip, Is.Not.Null);
            Assert.That(peers.Single().NodeId, Is.EqualTo(node));
            Assert.That(events.OfType<HostAlive>(), Is.Empty, "its address is a peer, not also a plain host");
        });
    }
}
