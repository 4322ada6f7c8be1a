using System.Text.Json;
using Widescan.Contracts;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// <c>widescan scan --dryrun</c> as a process of the packaged harness in a lab namespace: without
/// CAP_NET_RAW it writes every probe to the file, from the kernel's preferred source, and none
/// reaches the wire; without a source it says so and leaves no file.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(90_000)]
public sealed class DryRunCliLabTests
{
    private const string Swept = "2001:db8:100::/120";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(40);
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("widescan-dryrun-cli-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void A_dry_run_without_CAP_NET_RAW_writes_every_probe_and_sends_none()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces and to drop CAP_NET_RAW with setpriv (CI runs as root)");
        NetnsLab.EnsureTool("setpriv", "util-linux");
        NetnsLab.EnsureTool("tcpdump", "tcpdump");
        using var lab = NetnsLab.Create();
        lab.AnswerPrefix(Swept);
        using var capture = TargetCapture.Start(lab);
        var file = Path.Combine(_directory, "probes.pcap");
        var output = Path.Combine(_directory, "results.jsonl");

        var run = Harness(lab.Scanner, ["setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw"],
            "scan", "--prefix", Swept, "--allow-reserved", "--generator", "cpu", "--rate", "20000", "--dryrun", file, "--output", output);
        Thread.Sleep(300);
        var probes = DryRunFile.Read(file);
        var records = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var tcpdump = ProcessRunner.Run("tcpdump", ["-r", file, "-nn"], RepoArtifacts.Root, TimeSpan.FromSeconds(20));
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString);
            Assert.That(run.Output, Does.Contain($"dry run: 256 probes written to {file}"));
            Assert.That(run.Output, Does.Contain("Dry run: probes from 2001:db8:1::1"), "the log says it was a dry run");
            Assert.That(probes, Has.Count.EqualTo(256));
            Assert.That(probes.Select(p => p.Destination).Distinct().Count(), Is.EqualTo(256));
            Assert.That(probes.All(p => p.Source == Ipv6Address.Parse(NetnsLab.ScannerAddress)), Is.True, "the kernel's preferred source");
            Assert.That(probes.Count(DryRunFile.ChecksumIsRight), Is.EqualTo(256));
            Assert.That(capture.Requests, Is.Empty, "a dry run sends nothing");
            Assert.That(records[0].GetProperty("dryRun").GetString(), Is.EqualTo(file), "the run record names the dry run");
            Assert.That(records[^1].GetProperty("status").GetString(), Is.EqualTo("complete"));
            Assert.That(records, Has.Count.EqualTo(2), "no results: nothing answered");
            Assert.That(tcpdump.ExitCode, Is.EqualTo(0), tcpdump.ToString);
            Assert.That(tcpdump.Output.Split('\n').Count(l => l.Contains("ICMP6, echo request", StringComparison.Ordinal)), Is.EqualTo(256), tcpdump.ToString);
        });

        // tshark is not among the project's packages (too large to install in a test): read with it when present.
        if (ProcessRunner.Run("sh", ["-c", "command -v tshark"], RepoArtifacts.Root, TimeSpan.FromSeconds(5)).ExitCode == 0)
        {
            var tshark = ProcessRunner.Run("tshark", ["-r", file], RepoArtifacts.Root, TimeSpan.FromSeconds(30));
            Assert.That(tshark.ExitCode, Is.EqualTo(0), tshark.ToString);
            Assert.That(tshark.Output.Split('\n').Count(l => l.Contains("Echo (ping) request", StringComparison.Ordinal)), Is.EqualTo(256), tshark.ToString);
        }
    }

    [Test]
    public void A_dry_run_without_a_source_says_which_option_to_set_and_leaves_no_file()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        lab.ExecInScanner("ip", "-6", "route", "del", "2001:db8::/32"); // no route to the targets, so no preferred source
        var file = Path.Combine(_directory, "never.pcap");
        var output = Path.Combine(_directory, "never.jsonl");

        var run = Harness(lab.Scanner, [], "scan", "--prefix", Swept, "--allow-reserved", "--generator", "cpu", "--dryrun", file, "--output", output, "-q");
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString);
            Assert.That(run.Output, Does.Contain("no source address for the dry run").And.Contain("SourceAddress"));
            Assert.That(Directory.GetFiles(_directory), Is.Empty, "neither the pcap, nor a temporary file, nor the output");
        });
    }

    private static ProcessRunner.Result Harness(string ns, string[] wrapper, params string[] arguments) =>
        ProcessRunner.Run(wrapper.Length > 0 ? wrapper[0] : "ip",
            [.. wrapper.Skip(1), .. (wrapper.Length > 0 ? new[] { "ip" } : []), "netns", "exec", ns, "dotnet",
                Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll"), "--plugins", RepoArtifacts.PluginsDirectory, .. arguments],
            RepoArtifacts.Root, Limit);
}
