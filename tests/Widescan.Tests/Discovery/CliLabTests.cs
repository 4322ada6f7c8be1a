using System.Text.Json;
using Widescan.Contracts;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The packaged harness (artifacts/host, artifacts/plugins) run as a process inside lab namespaces:
/// `widescan scan` output on the wire, the missing-privilege exit, and the whole demo.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed class CliLabTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Test]
    public void Scan_writes_one_jsonl_result_per_live_host()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        const string swept = "2001:db8:100::/120";
        lab.AnswerPrefix(swept);
        var output = Path.Combine(Path.GetTempPath(), $"widescan-scan-{Environment.ProcessId}.jsonl");
        var log = Path.ChangeExtension(output, ".log");
        try
        {
            var run = Harness(lab.Scanner, [], "scan", "--prefix", swept, "--allow-reserved", "--generator", "cpu", "--rate", "5000",
                "--cooldown", "1.5", "--output", output, "--format", "jsonl", "--log-file", log, "--stats-interval", "0.5");
            var lines = File.ReadAllLines(output);
            var logLines = File.ReadAllLines(log);
            var all = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var records = all.Where(r => r.GetProperty("type").GetString() is not ("run" or "summary")).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString);
                // 16 alias probes besides the targets: the /64 of the live hosts is tested (and is not aliased).
                Assert.That(run.Output, Does.Contain("272 probes sent").And.Contain("256 alive").And.Contain("0 aliased prefixes (0 live hosts inside not reported, 16 alias probes)"), "the summary line");
                Assert.That(records, Has.Count.EqualTo(256));
                Assert.That(all[0].GetProperty("type").GetString(), Is.EqualTo("run"), "the run record first");
                Assert.That(all[^1].GetProperty("type").GetString(), Is.EqualTo("summary"), "the summary record last");
                Assert.That(all[^1].GetProperty("status").GetString(), Is.EqualTo("complete"));
                Assert.That(records.All(r => r.GetProperty("type").GetString() == "alive"), Is.True);
                Assert.That(records.Select(r => r.GetProperty("address").GetString()).Distinct().Count(), Is.EqualTo(256));
                Assert.That(records.All(r => Ipv6Prefix.Parse(swept).Contains(Ipv6Address.Parse(r.GetProperty("address").GetString()!))), Is.True);
                Assert.That(records.All(r => r.GetProperty("rttMs").GetDouble() >= 0 && r.TryGetProperty("time", out _)), Is.True);
                Assert.That(logLines, Has.Some.Contains("INF Progress: sent"), "the periodic stats line in the log file");
                Assert.That(logLines, Has.Some.Contains("INF Finished: 272 probes"));
                Assert.That(logLines, Has.Length.LessThan(40), "one stats line per interval, never a line per packet");
            });
        }
        finally
        {
            File.Delete(output);
            File.Delete(log);
        }
    }

    [Test]
    public void Without_CAP_NET_RAW_scan_and_listen_say_so_in_one_line_exit_77_and_send_nothing()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces and drop a capability");
        NetnsLab.EnsureTool("setpriv", "util-linux");
        using var lab = NetnsLab.Create();
        lab.AnswerPrefix("2001:db8:100::/120");
        using var capture = TargetCapture.Start(lab);
        string[] drop = ["setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw"];

        var scan = Harness(lab.Scanner, drop, "scan", "--prefix", "2001:db8:100::/120", "--allow-reserved", "--generator", "cpu", "-q");
        var listen = Harness(lab.Scanner, drop, "listen", "--duration", "1", "-q");
        Thread.Sleep(300);
        Assert.Multiple(() =>
        {
            foreach (var run in new[] { scan, listen })
            {
                var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.That(run.ExitCode, Is.EqualTo(77), run.ToString);
                Assert.That(lines, Has.Length.EqualTo(1), run.ToString);
                Assert.That(lines[0], Does.Contain("CAP_NET_RAW is missing").And.Contain("deploy/widescan.service")
                    .And.Contain("a container run given the NET_RAW capability").And.Contain("docs/deploy.md").And.Not.Contain("setcap cap_net_raw"));
            }

            Assert.That(capture.Requests, Is.Empty, "a probe went out without the capability");
        });
    }

    [Test]
    public void The_demo_builds_its_lab_finds_every_host_and_peer_and_tears_it_down()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        var run = ProcessRunner.Run("dotnet", [HostDll, "--plugins", RepoArtifacts.PluginsDirectory, "demo"], RepoArtifacts.Root, Limit);
        var left = ProcessRunner.Run("ip", ["netns", "list"], RepoArtifacts.Root, TimeSpan.FromSeconds(10)).Output;
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString);
            Assert.That(run.Output, Does.Contain("PASS: all 5 host(s) alive, all 3 peer(s) found"));
            Assert.That(left, Does.Not.Contain("wsd-"), "the demo left namespaces behind");
        });
    }

    private static string HostDll => Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll");

    /// <summary>Runs the packaged harness in a namespace, optionally under a wrapper (setpriv).</summary>
    private static ProcessRunner.Result Harness(string ns, string[] wrapper, params string[] arguments) =>
        ProcessRunner.Run(wrapper.Length > 0 ? wrapper[0] : "ip",
            [.. wrapper.Skip(1), .. (wrapper.Length > 0 ? new[] { "ip" } : []), "netns", "exec", ns, "dotnet", HostDll, "--plugins", RepoArtifacts.PluginsDirectory, .. arguments],
            RepoArtifacts.Root, Limit);
}
