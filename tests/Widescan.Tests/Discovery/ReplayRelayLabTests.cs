using System.Buffers.Binary;
using System.Collections.Concurrent;
using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// Keyed discovery attacked as the issue's attacker did, in a lab, with genuine keyed messages the
/// attacker captured (built here with the network key, as a member would have sent them): a probe
/// replayed later and from other addresses, a peer's announce relayed from the relay's own addresses,
/// an announce replayed to a new scan run, and a capture on a router that sees probes in transit.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(60_000)]
public sealed class ReplayRelayLabTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly NodeId ScannerNode = NodeId.Parse("5ca5ca5ca5ca5ca5ca5ca5ca5ca5ca50");
    private static readonly NodeId PeerNode = NodeId.Parse("beeebeeebeeebeeebeeebeeebeeebee0");

    [Test]
    public async Task A_captured_keyed_probe_replayed_later_or_from_other_addresses_finds_nobody_and_gets_no_announce(CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        const string genuine = "2001:db8:1::70";
        var attackers = Enumerable.Range(0x80, 20).Select(i => $"2001:db8:1::{i:x}").ToArray();
        lab.AddTargetAddress(genuine);
        foreach (var a in attackers)
            lab.AddTargetAddress(a);

        var listenerAddress = Ipv6Address.Parse(NetnsLab.ScannerAddress);
        var listener = new WidescanOptions
        {
            ListenOnly = true,
            ListenDuration = TimeSpan.FromSeconds(2.5),
            Interface = NetnsLab.ScannerInterface,
            NetworkKey = Key,
            ServicePort = 4100,
            Log = new LogOptions { Console = false },
        };
        using var announces = AnnounceCounter.StartIn(lab);
        var running = ModuleInLab.Start(lab.Scanner, listener, cancellationToken);

        var now = WireFormat.Now(TimeProvider.System);
        var probe = KeyedProbe(Ipv6Address.Parse(genuine), listenerAddress, now);
        var oldProbe = KeyedProbe(Ipv6Address.Parse(genuine), listenerAddress, now - 61_000_000);
        var senders = Senders(lab, [genuine, .. attackers]);
        try
        {
            Send(senders[genuine], listenerAddress, probe);
            Thread.Sleep(200);
            Send(senders[genuine], listenerAddress, probe); // the same probe again, from its own source
            foreach (var a in attackers)
                Send(senders[a], listenerAddress, probe); // from chosen addresses
            Send(senders[genuine], listenerAddress, oldProbe); // captured 61 s ago
        }
        finally
        {
            foreach (var s in senders.Values)
                s.Dispose();
        }

        var events = await running.ToListAsync();
        Thread.Sleep(200);
        var peers = events.OfType<PeerDiscovered>().ToList();
        var probedUs = events.OfType<ProbeReceived>().ToList();
        TestContext.Out.WriteLine($"peers: {string.Join(", ", peers.Select(p => Ipv6Address.Format(p.Address)))}; announces seen: {announces.Describe()}");
        Assert.Multiple(() =>
        {
            Assert.That(peers.Select(p => Ipv6Address.Format(p.Address)), Is.EqualTo(new[] { genuine }), "only the genuine probe's sender");
            Assert.That(peers.Single().Authenticated, Is.True);
            Assert.That(probedUs, Has.Count.EqualTo(1));
            Assert.That(announces.To(genuine), Is.EqualTo(1), "one announce, to the genuine scanner");
            Assert.That(attackers.Sum(announces.To), Is.Zero, "no announce to any replaying address");
        });
    }

    [Test]
    public async Task A_relay_gets_no_authenticated_peer_at_its_addresses_and_a_replayed_announce_fools_no_new_run(CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        // 16 addresses on the target's lo: the real keyed peer at ::5, the relay at the other 15.
        var hosts = Enumerable.Range(0, 16).Select(i => $"2001:db8:100::{i:x}").ToArray();
        var peer = "2001:db8:100::5";
        var relays = hosts.Where(h => h != peer).ToArray();
        lab.AnswerSparse("2001:db8:100::/124", hosts);

        var senders = Senders(lab, hosts);
        var peerIdentity = new WireIdentity(PeerNode, 4343, Key);
        var peerAt = Ipv6Address.Parse(peer);
        var peerAnsweredRelayed = 0;
        var peerRefusedGenuine = 0;
        var relayedSent = 0;
        byte[]? savedAnnounce = null;
        var replayOnly = false;

        // The attacker's box: it receives every probe; the one for the real peer is handed to the peer
        // (a classifier and announce writer holding the key, as the peer would run them), whose answer
        // goes back genuinely and, relayed, from every relay address; a probe for a relay address is
        // forwarded to the peer from the relay (and spoofed from the scanner), and whatever the peer would
        // answer is sent back from the relay.
        void OnProbe(byte[] message, UInt128 source, UInt128 destination)
        {
            if (message.Length < WireFormat.FixedLength || message[0] != WireFormat.EchoRequest || message[WireFormat.MessageTypeOffset] != (byte)MessageType.Probe)
                return;
            var asPeer = new PacketClassifier(peerIdentity, ValidationTag.NewRandom(), TimeProvider.System);
            var writer = new AnnounceWriter(peerIdentity, TimeProvider.System);
            var answer = new byte[writer.MessageLength];
            if (destination == peerAt)
            {
                if (replayOnly)
                {
                    if (savedAnnounce is { } old)
                        Send(senders[peer], source, old); // last run's genuine answer, to the new run
                    return;
                }

                var seen = asPeer.ClassifyIcmp(message, source, destination);
                if (seen.Kind != PacketKind.ProbeReceived)
                {
                    Interlocked.Increment(ref peerRefusedGenuine);
                    return;
                }

                writer.WriteReply(answer, seen);
                savedAnnounce = (byte[])answer.Clone();
                Send(senders[peer], source, answer);
                foreach (var relay in relays)
                {
                    Send(senders[relay], source, answer);
                    Interlocked.Increment(ref relayedSent);
                }

                return;
            }

            var relayAddress = Ipv6Address.Format(destination);
            foreach (var (from, to) in new[] { (destination, peerAt), (source, peerAt) })
            {
                var relayed = asPeer.ClassifyIcmp(message, from, to);
                if (relayed.Kind != PacketKind.ProbeReceived)
                    continue;
                Interlocked.Increment(ref peerAnsweredRelayed);
                writer.WriteReply(answer, relayed);
                Send(senders[relayAddress], source, answer);
            }
        }

        try
        {
            using var box = ProbeTap.StartIn(lab, OnProbe);
            var scan = ModuleInLab.ScanOptions("2001:db8:100::/124", rate: 2_000) with { NetworkKey = Key, NodeId = ScannerNode };
            var first = await ModuleInLab.RunAsync(lab.Scanner, scan, cancellationToken);
            var firstPeers = first.OfType<PeerDiscovered>().ToList();
            TestContext.Out.WriteLine($"run 1 peers: {string.Join(", ", firstPeers.Select(p => $"{Ipv6Address.Format(p.Address)} {p.How} auth={p.Authenticated}"))}; relayed announces sent {relayedSent}");

            replayOnly = true;
            var second = await ModuleInLab.RunAsync(lab.Scanner, scan, cancellationToken);
            var secondPeers = second.OfType<PeerDiscovered>().ToList();
            TestContext.Out.WriteLine($"run 2 peers: {secondPeers.Count}; alive {second.OfType<HostAlive>().Count()}");

            Assert.Multiple(() =>
            {
                Assert.That(firstPeers.Select(p => Ipv6Address.Format(p.Address)), Is.EqualTo(new[] { peer }), "the real peer, at its own address, and no relay address");
                Assert.That(firstPeers.Single().NodeId, Is.EqualTo(PeerNode));
                Assert.That(firstPeers.Single().How, Is.EqualTo(PeerDiscoveryMethod.AnsweredProbe));
                Assert.That(peerRefusedGenuine, Is.Zero, "the real peer accepts the genuine probe");
                Assert.That(relayedSent, Is.EqualTo(relays.Length), "the relay sent the peer's announce from each of its addresses");
                Assert.That(peerAnsweredRelayed, Is.Zero, "the peer accepts no probe relayed to it: the MAC covers both addresses");
                Assert.That(first.OfType<HostAlive>().Select(h => h.Address), Is.EquivalentTo(relays.Select(Ipv6Address.Parse)), "the relays are plain live hosts");
                Assert.That(savedAnnounce, Is.Not.Null);
                Assert.That(secondPeers, Is.Empty, "last run's genuine announce, replayed to a new run, is refused");
            });
        }
        finally
        {
            foreach (var s in senders.Values)
                s.Dispose();
        }
    }

    [Test]
    public async Task A_pcap_listener_on_a_router_answers_only_its_own_address(CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        // The target namespace is the router: 2001:db8:200::/120 passes through it (and dies in a
        // blackhole there); its own address is 2001:db8:1::2. Its listener captures on wsb0 with libpcap.
        lab.AnswerSparse("2001:db8:200::/120", []);
        var routerListener = new WidescanOptions
        {
            ListenOnly = true,
            ListenDuration = TimeSpan.FromSeconds(3.5),
            Interface = NetnsLab.TargetInterface,
            NetworkKey = Key,
            NodeId = PeerNode,
            ServicePort = 4343,
            Log = new LogOptions { Console = false },
        };
        var router = ModuleInLab.Start(lab.Target, routerListener, cancellationToken);
        Thread.Sleep(300);

        // 256 probes in transit first (more than the responder's burst of 16), then the router's own address.
        var scan = ModuleInLab.ScanOptions("2001:db8:200::/120", rate: 5_000) with
        {
            Cooldown = TimeSpan.FromSeconds(0.5),
            NetworkKey = Key,
            NodeId = ScannerNode,
            Targets = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8:200::/120")], AllowReserved = true, Seed = 7 },
        };
        var transit = await ModuleInLab.RunAsync(lab.Scanner, scan, cancellationToken);
        var own = await ModuleInLab.RunAsync(lab.Scanner, scan with
        {
            Targets = new TargetSpec { Include = [Ipv6Prefix.Parse(NetnsLab.TargetAddress + "/128")], AllowReserved = true, Seed = 7 },
        }, cancellationToken);
        var routerEvents = await router.ToListAsync();

        var scanners = routerEvents.OfType<ProbeReceived>().ToList();
        var ownPeers = own.OfType<PeerDiscovered>().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(transit.OfType<ScanFinished>().Single().Summary.ProbesSent, Is.EqualTo(256UL));
            Assert.That(transit.OfType<PeerDiscovered>(), Is.Empty, "no announce for an address the router does not own");
            Assert.That(ownPeers.Select(p => Ipv6Address.Format(p.Address)), Is.EqualTo(new[] { NetnsLab.TargetAddress }), "its own address is answered, from that address");
            Assert.That(ownPeers.Single().How, Is.EqualTo(PeerDiscoveryMethod.AnsweredProbe));
            Assert.That(scanners, Has.Count.EqualTo(1), "the router saw one scanner that probed it, not the transit probes");
        });
    }

    private static byte[] KeyedProbe(UInt128 source, UInt128 destination, ulong timestamp)
    {
        var writer = new ProbeWriter(new WireIdentity(ScannerNode, 4000, Key), ValidationTag.NewRandom(), source);
        var message = new byte[writer.MessageLength];
        writer.WriteMessage(message, timestamp);
        writer.SetTarget(message, destination);
        return message;
    }

    private static Dictionary<string, RawIcmpv6Sender> Senders(NetnsLab lab, IEnumerable<string> sources) =>
        sources.ToDictionary(source => source, source => LabInjection.Sender(lab, source));

    // Also called on the tap's thread, where an assertion would end the process: failures are counted
    // and asserted on the test's thread.
    private static int s_sendFailures;

    private static void Send(RawIcmpv6Sender sender, UInt128 destination, byte[] message)
    {
        if (!LabInjection.Send(sender, destination, message))
            Interlocked.Increment(ref s_sendFailures);
    }

    [SetUp]
    public void ResetSendFailures() => s_sendFailures = 0;

    [TearDown]
    public void NoSendFailed() => Assert.That(s_sendFailures, Is.Zero, "the lab could not send every test message");

    /// <summary>A raw ICMPv6 receiver in the target's namespace that hands every echo message to a callback, on its own thread.</summary>
    private sealed class ProbeTap : IDisposable
    {
        private readonly RawIcmpv6Receiver _receiver;
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;

        private ProbeTap(RawIcmpv6Receiver receiver, Action<byte[], UInt128, UInt128> onMessage)
        {
            _receiver = receiver;
            _thread = new Thread(() =>
            {
                try
                {
                    _receiver.Run((m, s, d, _) => onMessage(m.ToArray(), s, d), _stop.Token);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
                {
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public static ProbeTap StartIn(NetnsLab lab, Action<byte[], UInt128, UInt128> onMessage) =>
            new(lab.InTarget(() => new RawIcmpv6Receiver(new RawIcmpv6ReceiverOptions { KernelTypes = EchoProbeModule.Instance.KernelTypes })), onMessage);

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join(TimeSpan.FromSeconds(5));
            _receiver.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>Counts the Widescan announces that reach the target's namespace, per destination address.</summary>
    private sealed class AnnounceCounter : IDisposable
    {
        private readonly ConcurrentDictionary<UInt128, int> _to = new();
        private ProbeTap? _tap;

        public static AnnounceCounter StartIn(NetnsLab lab)
        {
            var counter = new AnnounceCounter();
            counter._tap = ProbeTap.StartIn(lab, (byte[] m, UInt128 s, UInt128 d) =>
            {
                if (m.Length >= WireFormat.FixedLength && BinaryPrimitives.ReadUInt32BigEndian(m.AsSpan(WireFormat.MagicOffset)) == WireFormat.Magic
                    && m[WireFormat.MessageTypeOffset] == (byte)MessageType.Announce)
                    counter._to.AddOrUpdate(d, 1, (_, n) => n + 1);
            });
            return counter;
        }

        public int To(string address) => _to.GetValueOrDefault(Ipv6Address.Parse(address));

        public string Describe() => string.Join(", ", _to.Select(p => $"{Ipv6Address.Format(p.Key)} x{p.Value}"));

        public void Dispose() => _tap?.Dispose();
    }
}
