using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using Widescan.Contracts;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Prefixes;

/// <summary>
/// The two-stage sweep of README and docs/results.md, run for real in an ISP lab: a periphery sweep
/// probes <c>::1</c> of every /56 of a /44; the router answers the /56s it has delegated with
/// Destination Unreachable (as a CPE's upstream does for the unused /64s of a customer's /56) and
/// blackholes the rest; <c>widescan prefixes</c> turns the unreachable results into a prefix file of
/// those /56s with <c>window=/64</c>; a rendezvous sweep of only their /64s then finds exactly the
/// members, with a probe budget that is a sliver of the /44's.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed class TwoStageSweepLabTests
{
    private const int Slots = 2;
    private static readonly Ipv6Prefix Customers = Ipv6Prefix.Parse("2001:db8:c0::/44");

    [Test]
    public void A_periphery_sweep_feeds_a_rendezvous_sweep_of_only_the_delegated_56s()
    {
        using var lab = IspLab.Create(Customers);
        var random = new Random(56);
        var work = Directory.CreateTempSubdirectory("widescan-two-stage-");
        var listeners = new List<Process>();
        try
        {
            var key = Path.Combine(work.FullName, "network.key");
            var keyBytes = new byte[32];
            random.NextBytes(keyBytes);
            File.WriteAllText(key, Convert.ToHexString(keyBytes) + "\n");

            // Four delegated /56s of the 4,096 in the /44; three hold a member on one of their /64s
            // (never the first /64, whose ::1 would answer as a host), the fourth none.
            var delegated = new SortedSet<ulong>();
            while (delegated.Count < 4)
                delegated.Add((ulong)random.NextInt64(0, 1L << 12));
            var members = new List<(string Name, NodeId Id, ushort Port)>();
            var i = 0;
            foreach (var index in delegated)
            {
                var prefix56 = new Ipv6Prefix(Customers.Network | ((UInt128)index << 72), 56);
                lab.Exec(lab.Router, "ip", "-6", "route", "add", "unreachable", prefix56.ToString());
                if (i < 3)
                {
                    var link = (index << 8) | (ulong)random.NextInt64(1, 256);
                    lab.AddLink(link, random, $"m{i}");
                    members.Add(($"m{i}", Id(random), (ushort)(4300 + i)));
                }

                i++;
            }

            // The kernel lets about 1,000 errors a second through (burst 50) unless told otherwise.
            lab.Exec(lab.Router, "sysctl", "-qw", "net.ipv6.icmp.ratelimit=0", "net.ipv6.icmp.ratemask=0");
            foreach (var (name, id, port) in members)
                listeners.Add(Listen(lab, name, id, port, work, key));

            // Stage 1: ::1 of every /56 of the /44.
            var periphery = Path.Combine(work.FullName, "periphery.jsonl");
            var first = Scan(lab, "--prefix", Customers.ToString(), "--subnet-bits", "56", "--rate", "50000", "--cooldown", "1", "--output", periphery);
            Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString);
            var errors = Records(periphery, "unreachable");
            var expected56 = delegated.Select(x => new Ipv6Prefix(Customers.Network | ((UInt128)x << 72), 56).ToString()).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(errors.Select(e => new Ipv6Prefix(Ipv6Address.Parse(e.GetProperty("address").GetString()!) & Ipv6Prefix.MaskOf(56), 56).ToString()), Is.EquivalentTo(expected56),
                    "one error per delegated /56, none from the blackholed rest");
                Assert.That(errors.Select(e => e.GetProperty("router").GetString()), Is.All.EqualTo(IspLab.RouterAddress));
                Assert.That(errors.Select(e => (e.GetProperty("icmpType").GetInt32(), e.GetProperty("code").GetInt32())), Is.All.EqualTo((1, 0)));
                Assert.That(Records(periphery, "alive"), Is.Empty);
            });

            // Between the stages: the /56s that answered, each to be swept per /64.
            var live = Path.Combine(work.FullName, "live56.txt");
            var prefixes = CliRun.Run("prefixes", "--from", periphery, "--type", "unreachable", "--length", "56", "--window", "64", "--output", live);
            Assert.That(prefixes.Code, Is.Zero, prefixes.ToString());
            Assert.That(File.ReadAllLines(live), Is.EqualTo(expected56.Select(p => p + " window=/64")));

            // Stage 2: the rendezvous addresses of only those /64s (4 x 256 x 2 probes, not 2^20 x 2).
            WaitForClaims(lab, members.Count, TimeSpan.FromSeconds(40));
            var found = Path.Combine(work.FullName, "peers.jsonl");
            var second = Scan(lab, "--prefix-file", live, "--iid", "rendezvous", "--rendezvous-slots", $"{Slots}", "--network-key-file", key,
                "--rate", "20000", "--cooldown", "2", "--output", found);
            Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString);
            var peers = Records(found, "peer");
            var summary = Records(found, "summary").Single();
            Assert.Multiple(() =>
            {
                Assert.That(peers.Select(p => (p.GetProperty("nodeId").GetString(), p.GetProperty("port").GetInt32())),
                    Is.EquivalentTo(members.Select(m => (m.Id.ToString(), (int)m.Port))), "exactly the members");
                Assert.That(summary.GetProperty("sent").GetInt64(), Is.EqualTo(4L * 256 * Slots), "only the /64s of the delegated /56s were probed");
            });
        }
        finally
        {
            foreach (var listener in listeners)
                HarnessProcess.Stop(listener);
            work.Delete(recursive: true);
        }
    }

    private static string HostDll => HarnessProcess.HostDll;

    private static ProcessRunner.Result Scan(IspLab lab, params string[] flags) =>
        ProcessRunner.Run("ip",
            ["netns", "exec", lab.Scanner, "dotnet", HostDll, "--plugins", RepoArtifacts.PluginsDirectory,
             "scan", "--allow-reserved", "--generator", "cpu", "--quiet", .. flags],
            RepoArtifacts.Root, TimeSpan.FromSeconds(60));

    private static List<JsonElement> Records(string path, string type) =>
        File.ReadLines(path).Select(l => JsonDocument.Parse(l).RootElement).Where(r => r.GetProperty("type").GetString() == type).ToList();

    private static NodeId Id(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new NodeId(BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    private static Process Listen(IspLab lab, string name, NodeId id, ushort port, DirectoryInfo work, string key) =>
        HarnessProcess.Start(lab.PeerNamespace(name),
            "listen", "--node-id", id.ToString(), "--port", port.ToString(), "--duration", "100", "--rendezvous-lifetime", "60",
            "--rendezvous", "--network-key-file", key, "--log-file", Path.Combine(work.FullName, name + ".log"));


    /// <summary>Waits until every member's link holds a settled (not tentative) address besides its base one: its rendezvous claim.</summary>
    private static void WaitForClaims(IspLab lab, int count, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        var settled = 0;
        while (DateTime.UtcNow < until)
        {
            settled = lab.Peers.Count(peer =>
            {
                var lines = lab.Exec(peer.Namespace, "ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "global").Split('\n', StringSplitOptions.RemoveEmptyEntries);
                return lines.Count(l => !l.Contains("tentative", StringComparison.Ordinal) && !l.Contains("dadfailed", StringComparison.Ordinal)) >= 2;
            });
            if (settled == count)
                return;
            Thread.Sleep(250);
        }

        Assert.Fail($"{settled} of {count} members claimed a rendezvous address in time");
    }
}
