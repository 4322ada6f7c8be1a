using System.Text.Json;
using Widescan.Contracts;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// Aliased-prefix detection on the wire (the module in-process, in a lab): the target answers every
/// address of an aliased /64 (a local route) and only a few dozen /128s of a sparse /64 (the rest
/// blackholed); the scan sweeps a /112 inside each. Dealiasing on: one aliased record, none of the
/// aliased /64's hosts, exactly the sparse hosts; off: every host alive; both under 10% loss each way.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(90_000)]
public sealed class AliasLabTests
{
    private const string AliasedPrefix = "2001:db8:a::/64";
    private const string AliasedSwept = "2001:db8:a::/112";
    private const string SparsePrefix = "2001:db8:b::/64";
    private const string SparseSwept = "2001:db8:b::/112";
    private const int SparseHosts = 40;

    private static readonly string[] Sparse = [.. Enumerable.Range(0, SparseHosts).Select(i => $"2001:db8:b::{(i * 1543) + 7:x}")];

    [Test]
    public async Task An_aliased_64_is_one_record_and_no_hosts_while_a_sparse_one_gives_exactly_its_hosts(CancellationToken cancellationToken)
    {
        using var lab = Lab();
        var events = await ModuleInLab.RunAsync(lab.Scanner, Options(probes: 1), cancellationToken);

        var aliased = events.OfType<PrefixAliased>().ToList();
        var summary = events.OfType<ScanFinished>().Single().Summary;
        Assert.Multiple(() =>
        {
            Assert.That(aliased.Select(a => a.Prefix.ToString()), Is.EqualTo(new[] { AliasedPrefix }), "one aliased record, the /64 of the dense /112");
            Assert.That(aliased[0].Probed, Is.EqualTo(16));
            Assert.That(aliased[0].Answered, Is.EqualTo(16), "no loss: every alias address answered");
            Assert.That(Ipv6Prefix.Parse(AliasedSwept).Contains(aliased[0].Trigger), Is.True, "the trigger is a live host of the swept /112");
            Assert.That(AliveAddresses(events), Is.EquivalentTo(Sparse.Select(Ipv6Address.Parse)), "exactly the sparse hosts, none of the aliased /64");
            Assert.That(summary.Alive, Is.EqualTo((ulong)SparseHosts));
            Assert.That(summary.AliasedPrefixes, Is.EqualTo(1UL));
            Assert.That(summary.AliasedHosts, Is.EqualTo(65_536UL), "every host of the aliased /112 counted, none reported");
            Assert.That(summary.AliasProbes, Is.EqualTo(32UL), "16 addresses in each of the two /64s that had a live host, one probe each");
            Assert.That(summary.ProbesSent, Is.EqualTo((2UL * 65_536) + 32), "alias probes count as probes sent");
            Assert.That(summary.Status, Is.EqualTo(DiscoveryStatus.Complete));
        });
    }

    [Test]
    public async Task With_dealias_off_every_host_of_the_aliased_64_is_alive_and_no_alias_probe_goes_out(CancellationToken cancellationToken)
    {
        using var lab = Lab();
        var events = await ModuleInLab.RunAsync(lab.Scanner, Options(probes: 1) with { Dealias = false }, cancellationToken);

        var summary = events.OfType<ScanFinished>().Single().Summary;
        var alive = AliveAddresses(events);
        Assert.Multiple(() =>
        {
            Assert.That(events.OfType<PrefixAliased>(), Is.Empty);
            Assert.That(alive.Count(a => Ipv6Prefix.Parse(AliasedSwept).Contains(a)), Is.EqualTo(65_536), "today's behaviour: every host alive");
            Assert.That(alive.Where(a => Ipv6Prefix.Parse(SparseSwept).Contains(a)), Is.EquivalentTo(Sparse.Select(Ipv6Address.Parse)));
            Assert.That(summary.AliasProbes, Is.Zero);
            Assert.That(summary.ProbesSent, Is.EqualTo(2UL * 65_536), "no probe beyond the plan");
        });
    }

    [Test]
    public async Task Both_verdicts_hold_under_10_percent_loss_each_way(CancellationToken cancellationToken)
    {
        using var lab = Lab();
        lab.DropEchoBothWays(10);

        // 8 probes a target: a sparse host is missed with odds 0.19^8 (2e-6), and an alias address too,
        // so the aliased /64 answers about 16 of 16 (8 needed).
        var events = await ModuleInLab.RunAsync(lab.Scanner, Options(probes: 8), cancellationToken);

        var aliased = events.OfType<PrefixAliased>().ToList();
        var summary = events.OfType<ScanFinished>().Single().Summary;
        TestContext.Out.WriteLine($"10% loss each way, 8 probes: {summary.ProbesSent} probes in {summary.Duration.TotalSeconds:F1} s, aliased hosts {summary.AliasedHosts}, answered {aliased.FirstOrDefault()?.Answered}/16");
        Assert.Multiple(() =>
        {
            Assert.That(aliased.Select(a => a.Prefix.ToString()), Is.EqualTo(new[] { AliasedPrefix }));
            Assert.That(AliveAddresses(events), Is.EquivalentTo(Sparse.Select(Ipv6Address.Parse)), "exactly the sparse hosts");
            Assert.That(summary.AliasedHosts, Is.GreaterThan(60_000UL).And.LessThanOrEqualTo(65_536UL));
            Assert.That(summary.AliasProbes, Is.EqualTo(2UL * 16 * 8));
        });
    }

    [Test]
    public async Task A_peer_inside_an_aliased_64_is_still_reported_as_a_peer(CancellationToken cancellationToken)
    {
        // An announce is proof of a Widescan node: dealiasing drops the live hosts of an aliased
        // prefix, never its peers. (The aliased /64 alone: a listener answers a bounded number of
        // probes of one scanner, and the sparse hosts would be its addresses too.)
        using var lab = NetnsLab.Dense(AliasedPrefix);
        const string peerAddress = "2001:db8:a::77";
        lab.AddTargetAddress(peerAddress);
        var node = NodeId.Parse("a11a5ed0a11a5ed0a11a5ed0a11a5ed0");
        var listener = ModuleInLab.Start(lab.Target, new WidescanOptions
        {
            ListenOnly = true,
            ListenDuration = TimeSpan.FromSeconds(5),
            NodeId = node,
            ServicePort = 4077,
            Log = new LogOptions { Console = false },
        }, cancellationToken);
        Thread.Sleep(300);

        var options = Options(probes: 1);
        var events = await ModuleInLab.RunAsync(lab.Scanner, options with { Targets = options.Targets! with { Include = [Ipv6Prefix.Parse(AliasedSwept)] } }, cancellationToken);
        await listener.ToListAsync();

        var summary = events.OfType<ScanFinished>().Single().Summary;
        Assert.Multiple(() =>
        {
            Assert.That(events.OfType<PrefixAliased>().Select(a => a.Prefix.ToString()), Is.EqualTo(new[] { AliasedPrefix }));
            Assert.That(events.OfType<PeerDiscovered>().Select(p => (Ipv6Address.Format(p.Address), p.NodeId, p.How)),
                Is.EqualTo(new[] { (peerAddress, node, PeerDiscoveryMethod.AnsweredProbe) }), "the node in the aliased /64 is a peer");
            Assert.That(events.OfType<HostAlive>(), Is.Empty, "and none of its neighbours is alive");
            Assert.That(summary.AliasedHosts, Is.EqualTo(65_535UL), "every other address of the /112 is an aliased host");
        });
    }

    [Test]
    public void The_cli_writes_one_aliased_record_that_widescan_prefixes_reads_back()
    {
        using var lab = Lab();
        var directory = Directory.CreateTempSubdirectory("widescan-alias-").FullName;
        try
        {
            var output = Path.Combine(directory, "out.jsonl");
            var run = ProcessRunner.Run("ip",
                ["netns", "exec", lab.Scanner, "dotnet", Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll"), "--plugins", RepoArtifacts.PluginsDirectory,
                 "scan", "--prefix", AliasedSwept, "--allow-reserved", "--generator", "cpu", "--rate", "200000", "--cooldown", "1", "--output", output, "-q"],
                RepoArtifacts.Root, TimeSpan.FromSeconds(60));
            var records = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var types = records.Select(r => r.GetProperty("type").GetString()).ToList();
            var prefixes = CliRun.Run("prefixes", "--from", output, "--type", "aliased", "--length", "64");
            Assert.Multiple(() =>
            {
                Assert.That(run.ExitCode, Is.Zero, run.ToString);
                Assert.That(types, Is.EqualTo(new[] { "run", "aliased", "summary" }), "one aliased record and no alive record");
                var aliased = records[1];
                Assert.That(aliased.GetProperty("prefix").GetString(), Is.EqualTo(AliasedPrefix));
                Assert.That((aliased.GetProperty("probed").GetInt32(), aliased.GetProperty("answered").GetInt32()), Is.EqualTo((16, 16)));
                Assert.That(Ipv6Prefix.Parse(AliasedSwept).Contains(Ipv6Address.Parse(aliased.GetProperty("trigger").GetString()!)), Is.True);
                var summary = records[^1];
                Assert.That(summary.GetProperty("alive").GetUInt64(), Is.Zero);
                Assert.That(summary.GetProperty("aliasedPrefixes").GetUInt64(), Is.EqualTo(1UL));
                Assert.That(summary.GetProperty("aliasedHosts").GetUInt64(), Is.EqualTo(65_536UL));
                Assert.That(summary.GetProperty("aliasProbes").GetUInt64(), Is.EqualTo(16UL));
                Assert.That(run.Output, Does.Contain("1 aliased prefixes (65536 live hosts inside not reported, 16 alias probes)"), "the summary line");
                Assert.That(prefixes.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { AliasedPrefix }), prefixes.ToString());
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static List<UInt128> AliveAddresses(List<DiscoveryEvent> events) => [.. events.OfType<HostAlive>().Select(a => a.Address)];

    private static WidescanOptions Options(int probes)
    {
        var options = ModuleInLab.ScanOptions(AliasedSwept, rate: 200_000);
        return options with
        {
            Targets = options.Targets! with { Include = [Ipv6Prefix.Parse(AliasedSwept), Ipv6Prefix.Parse(SparseSwept)] },
            Dealias = true,
            ProbesPerTarget = probes,
            ProbeInterval = TimeSpan.FromMilliseconds(100),
            Cooldown = TimeSpan.FromSeconds(1),
        };
    }

    private static NetnsLab Lab()
    {
        var lab = NetnsLab.Dense(AliasedPrefix);
        try
        {
            lab.AnswerSparse(SparsePrefix, Sparse);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }
}
