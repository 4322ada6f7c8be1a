using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using PacketDotNet;
using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Targets;
using Widescan.Plugin.Transport;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// Issue 12's proof in an ISP-shaped lab: peers on random /64s of a /44, with random base addresses
/// no sweep could guess, claim their rendezvous addresses; one scan of the /44 with one probe per /64
/// and slot finds exactly the members of the network, and every probe it sent went to a rendezvous
/// address of the key.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(170_000)]
public sealed class RendezvousSweepLabTests
{
    private const int Slots = 2;
    private static readonly Ipv6Prefix Customers = Ipv6Prefix.Parse("2001:db8:a0::/44");

    [Test]
    public void A_scan_of_a_44_with_one_probe_per_64_and_slot_finds_exactly_the_members()
    {
        using var lab = IspLab.Create(Customers);
        var random = new Random(44);
        var work = Directory.CreateTempSubdirectory("widescan-rendezvous-");
        var listeners = new List<Process>();
        try
        {
            var key = KeyFile(work, "network.key", random);
            var otherKey = KeyFile(work, "other.key", random);

            // Thirteen distinct /64s of the 2^20 in the /44: ten members alone on their link, two
            // sharing one bridged /64, one listener of another network, one without rendezvous.
            var indexes = new HashSet<ulong>();
            while (indexes.Count < 13)
                indexes.Add((ulong)random.NextInt64(0, 1L << 20));
            var order = indexes.ToArray();
            var members = new List<(string Name, NodeId Id, ushort Port)>();
            for (var i = 0; i < 10; i++)
            {
                lab.AddLink(order[i], random, $"p{i}");
                members.Add(($"p{i}", Id(random), (ushort)(4100 + i)));
            }

            lab.AddLink(order[10], random, "pa", "pb");
            members.Add(("pa", Id(random), 4110));
            members.Add(("pb", Id(random), 4111));
            lab.AddLink(order[11], random, "other");
            lab.AddLink(order[12], random, "plain");

            foreach (var (name, id, port) in members)
                listeners.Add(Listen(lab, name, id, port, work, "--rendezvous", "--network-key-file", key));
            listeners.Add(Listen(lab, "other", Id(random), 4200, work, "--rendezvous", "--network-key-file", otherKey));
            listeners.Add(Listen(lab, "plain", Id(random), 4201, work, "--network-key-file", key));

            var secret = RendezvousIid.Secret(Convert.FromHexString(File.ReadAllText(key).Trim()));
            var (k0, k1) = RendezvousIid.Keys(secret);
            var claimed = WaitForClaims(lab, members.Select(m => m.Name).ToList(), k0, k1, TimeSpan.FromSeconds(40));
            Assert.That(claimed.Values.Select(c => c.Slot), Is.SupersetOf(new[] { 0 }), "the members claimed their slot-0 addresses");
            Assert.That(claimed["pa"].Slot, Is.Not.EqualTo(claimed["pb"].Slot), "the two members of the shared /64 settled on different slots");

            // Every probe must go to a rendezvous address of the key: counted at the router's uplink.
            using var probes = new ProbeTally(lab, k0, k1);
            var output = Path.Combine(work.FullName, "scan.jsonl");
            var wall = Stopwatch.StartNew();
            var scan = ProcessRunner.Run("ip",
                ["netns", "exec", lab.Scanner, "dotnet", HostDll, "--plugins", RepoArtifacts.PluginsDirectory,
                 "scan", "--prefix", Customers.ToString(), "--subnet-bits", "64", "--iid", "rendezvous", "--rendezvous-slots", Slots.ToString(),
                 "--network-key-file", key, "--allow-reserved", "--generator", "cpu", "--rate", "200000", "--cooldown", "3",
                 "--output", output, "--quiet"],
                RepoArtifacts.Root, TimeSpan.FromSeconds(90));
            wall.Stop();
            var expected = (1L << 20) * Slots;
            probes.WaitFor(expected, TimeSpan.FromSeconds(10));

            var records = File.ReadLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var peers = records.Where(r => r.GetProperty("type").GetString() == "peer").ToList();
            var found = peers.Select(p => (Address: p.GetProperty("address").GetString()!, Node: p.GetProperty("nodeId").GetString()!, Port: p.GetProperty("port").GetInt32())).ToList();
            TestContext.Out.WriteLine($"whole process {wall.Elapsed.TotalSeconds:F2} s; scan: {scan.Output.Split('\n').LastOrDefault(l => l.Contains("probes sent", StringComparison.Ordinal))}");
            TestContext.Out.WriteLine($"router saw {probes.Total} probes, {probes.NotRendezvous} not at a rendezvous address; found {found.Count} peers");
            if (peers.Count > 0)
            {
                // The benchmark's figures (docs/benchmarks.md): from the run record to the last peer.
                var started = records.First(r => r.GetProperty("type").GetString() == "run").GetProperty("time").GetDateTimeOffset();
                var last = peers.Max(p => p.GetProperty("time").GetDateTimeOffset());
                TestContext.Out.WriteLine($"every peer found {(last - started).TotalSeconds:F2} s after the run started; {probes.Total / (double)peers.Count:F0} probes per peer found");
            }
            Assert.Multiple(() =>
            {
                Assert.That(scan.ExitCode, Is.EqualTo(0), scan.ToString);
                Assert.That(probes.Total, Is.EqualTo(expected), "one probe per /64 and slot, no more");
                Assert.That(probes.NotRendezvous, Is.Zero, "every probe went to a rendezvous address of the key");
                Assert.That(probes.Dropped, Is.Zero, "the capture saw every probe");
                Assert.That(found.Select(f => f.Node).Distinct().Count(), Is.EqualTo(found.Count), "each peer once");
                Assert.That(found.Select(f => (f.Node, f.Port)), Is.EquivalentTo(members.Select(m => (m.Id.ToString(), (int)m.Port))),
                    "exactly the members, with their node ids and ports: not the other network's, not the one without rendezvous");
                foreach (var (name, _, _) in members)
                    Assert.That(found.Select(f => Ipv6Address.Parse(f.Address)), Does.Contain(claimed[name].Address), $"{name} at its claimed address");
                Assert.That(records.Count(r => r.GetProperty("type").GetString() == "alive"), Is.Zero, "a member is a peer, never also alive");
            });
        }
        finally
        {
            foreach (var listener in listeners)
                HarnessProcess.Stop(listener);
            work.Delete(recursive: true);
        }
    }

    [Test]
    public void The_isp_lab_routes_the_scanner_to_every_peer_and_keeps_the_rest_of_the_44_silent()
    {
        using var lab = IspLab.Create(Customers);
        var random = new Random(7);
        lab.AddLink(5, random, "p0");
        lab.AddLink(77_777, random, "pa", "pb");
        foreach (var (ns, link, address) in lab.Peers)
        {
            Assert.That(LabCommandsSucceed("ip", "netns", "exec", lab.Scanner, "ping", "-6", "-q", "-c", "1", "-W", "3", Ipv6Address.Format(address)),
                Is.True, $"{ns} answers at its base address in {link}");
        }

        // An unused /64 of the /44 is blackholed at the router: no answer, no error.
        Assert.That(LabCommandsSucceed("ip", "netns", "exec", lab.Scanner, "ping", "-6", "-q", "-c", "1", "-W", "1", "2001:db8:a0:1::1"), Is.False);
    }

    private static bool LabCommandsSucceed(string file, params string[] args) => Widescan.Host.Lab.LabCommands.TryRun(file, args, TimeSpan.FromSeconds(10));

    private static string HostDll => HarnessProcess.HostDll;

    private static NodeId Id(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new NodeId(BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    private static string KeyFile(DirectoryInfo work, string name, Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        var path = Path.Combine(work.FullName, name);
        File.WriteAllText(path, Convert.ToHexString(bytes) + "\n");
        return path;
    }

    /// <summary>Starts `widescan listen` in a peer's namespace (its log in the work folder).</summary>
    private static Process Listen(IspLab lab, string name, NodeId id, ushort port, DirectoryInfo work, params string[] extra) =>
        HarnessProcess.Start(lab.PeerNamespace(name),
            ["listen", "--node-id", id.ToString(), "--port", port.ToString(), "--duration", "150", "--rendezvous-lifetime", "60",
             "--log-file", Path.Combine(work.FullName, name + ".log"), "--output", Path.Combine(work.FullName, name + ".jsonl"), .. extra]);


    /// <summary>Waits until every member's namespace holds a non-tentative rendezvous address of the key in its /64; returns each with its slot.</summary>
    private static Dictionary<string, (UInt128 Address, int Slot)> WaitForClaims(IspLab lab, List<string> names, ulong k0, ulong k1, TimeSpan limit)
    {
        var claims = new Dictionary<string, (UInt128, int)>();
        var until = DateTime.UtcNow + limit;
        while (claims.Count < names.Count && DateTime.UtcNow < until)
        {
            foreach (var name in names.Where(n => !claims.ContainsKey(n)))
            {
                var peer = lab.Peers.Single(p => p.Namespace == lab.PeerNamespace(name));
                var text = lab.Exec(peer.Namespace, "ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "global");
                for (var slot = 0; slot < Slots; slot++)
                {
                    var address = RendezvousIid.Address(k0, k1, peer.Link.Network, slot);
                    var line = text.Split('\n').FirstOrDefault(l => l.Contains(" " + Ipv6Address.Format(address) + "/", StringComparison.Ordinal));
                    if (line is not null && !line.Contains("tentative", StringComparison.Ordinal) && !line.Contains("dadfailed", StringComparison.Ordinal))
                        claims[name] = (address, slot);
                }
            }

            Thread.Sleep(250);
        }

        Assert.That(claims.Keys, Is.EquivalentTo(names), "every member claimed a rendezvous address in time");
        return claims;
    }

    /// <summary>libpcap on the router's uplink: every echo request the scanner sent, checked against the key's rendezvous addresses as it arrives.</summary>
    private sealed class ProbeTally : IDisposable
    {
        private readonly PcapCapture _capture;
        private readonly ulong _k0, _k1;
        private long _total, _notRendezvous;

        public ProbeTally(IspLab lab, ulong k0, ulong k1)
        {
            (_k0, _k1) = (k0, k1);
            _capture = NetworkNamespace.Run(lab.Router, () => PcapCapture.Open(IspLab.RouterUplink, EchoProbeModule.Instance.CaptureFilter, 128, OnFrame, 64 << 20, TimeSpan.FromMilliseconds(20)));
            _capture.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public long NotRendezvous => Interlocked.Read(ref _notRendezvous);

        public long Dropped => _capture.KernelDropped;

        public void WaitFor(long count, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (Total < count && DateTime.UtcNow < until)
                Thread.Sleep(50);
        }

        private void OnFrame(ReadOnlySpan<byte> frame, DateTimeOffset time, LinkLayers link)
        {
            if (link != LinkLayers.Ethernet || frame.Length < 55 || frame[54] != Icmpv6Types.EchoRequest)
                return;
            var destination = BinaryPrimitives.ReadUInt128BigEndian(frame[38..]);
            Interlocked.Increment(ref _total);
            var iid = (ulong)destination;
            var prefixHi = (ulong)(destination >> 64);
            var ours = false;
            for (var slot = 0UL; slot < Slots && !ours; slot++)
                ours = RendezvousIid.Iid(_k0, _k1, prefixHi, slot) == iid;
            if (!ours)
                Interlocked.Increment(ref _notRendezvous);
        }

        public void Dispose() => _capture.Dispose();
    }
}
