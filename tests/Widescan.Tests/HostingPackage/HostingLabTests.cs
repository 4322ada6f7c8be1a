using Widescan.Contracts;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.HostingPackage;

/// <summary>
/// Issue 14's "done" line: tests/hosts/Widescan.TestHost needs Widescan.Hosting and one AddWidescan
/// line to load the packaged plugin (MEF), configure it (command-line configuration), listen, scan and
/// receive peers, here in a namespace lab: it scans an answering /120 and another node (the harness
/// listening in the target namespace), and hears that node as a peer. Without CAP_NET_RAW the same host
/// starts, reports its health check unhealthy naming the capability, logs why, and exits cleanly.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class HostingLabTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private string _published = "";

    [OneTimeSetUp]
    public void PublishTheTestHost()
    {
        if (!NetnsLab.IsRoot)
            return;
        _published = Directory.CreateTempSubdirectory("widescan-testhost-").FullName;
        var project = Path.Combine(RepoArtifacts.Root, "tests", "hosts", "Widescan.TestHost", "Widescan.TestHost.csproj");
        var result = ProcessRunner.Run("dotnet", ["publish", project, "-c", "Release", "-o", _published, "--nologo"], RepoArtifacts.Root, TimeSpan.FromMinutes(5));
        Assert.That(result.ExitCode, Is.Zero, $"dotnet publish of the test host failed: {result}");
    }

    [OneTimeTearDown]
    public void DeleteTheTestHost()
    {
        if (_published.Length > 0)
            Directory.Delete(_published, recursive: true);
    }

    [Test]
    public void A_host_with_one_AddWidescan_line_listens_scans_and_receives_the_peer_in_a_lab()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        lab.AnswerPrefix("2001:db8:1:1::/120");
        var plugin = Path.Combine(RepoArtifacts.PluginsDirectory, "Widescan.Plugin", "Widescan.Plugin.dll");
        var harness = Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll");

        // The other node: the harness, listening in the target namespace for the length of the test.
        var other = Task.Run(() => ProcessRunner.Run("ip",
            ["netns", "exec", lab.Target, "dotnet", harness, "--plugins", RepoArtifacts.PluginsDirectory, "listen", "--duration", "8", "--port", "30304", "--node-id", "00000000000000000000000000000b0b", "-q"],
            RepoArtifacts.Root, Limit));
        Thread.Sleep(2_000); // its sockets open before the scan's first probe

        var run = ProcessRunner.Run("ip",
            ["netns", "exec", lab.Scanner, "dotnet", Path.Combine(_published, "Widescan.TestHost.dll"),
                $"--Plugin={plugin}", "--Scan=2001:db8:1:1::/120,2001:db8:1::2/128",
                "--Widescan:Listen=true", "--Widescan:ServicePort=30303", "--Widescan:Generator=cpu",
                "--Widescan:Rate=5000", "--Widescan:Cooldown=00:00:01.5", "--Widescan:Log:MinimumLevel=Warning"],
            RepoArtifacts.Root, Limit);
        var otherRun = other.Result;

        var lines = run.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var alive = lines.Where(l => l.StartsWith("alive ", StringComparison.Ordinal)).Select(l => Ipv6Address.Parse(l[6..])).ToList();
        var peers = lines.Where(l => l.StartsWith("peer ", StringComparison.Ordinal)).ToList();
        var prefix = Ipv6Prefix.Parse("2001:db8:1:1::/120");
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.ToString);
            Assert.That(alive.Where(prefix.Contains).Distinct().Count(), Is.EqualTo(256), "every answering host of the /120");
            Assert.That(peers, Has.Some.StartsWith("peer 2001:db8:1::2 00000000000000000000000000000b0b AnsweredProbe"), "the other node, through IWidescanPeers: " + run);
            // 256 + the other node + 16 alias probes of the live /64 (Dealias is on by default).
            Assert.That(lines, Has.Some.StartsWith("summary Complete sent=273"));
            Assert.That(lines, Has.Some.StartsWith("health Healthy"), run.ToString);
            Assert.That(otherRun.ExitCode, Is.Zero, otherRun.ToString);
        });
    }

    [Test]
    public void Without_CAP_NET_RAW_the_host_stays_up_reports_unhealthy_and_exits_cleanly()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();

        // For root, exec gives the new program its inheritable set plus its bounding set: drop the
        // capability from both, or it comes back. The kernel's own word, before the host's.
        string[] withoutNetRaw = ["ip", "netns", "exec", lab.Scanner, "setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw"];
        var status = ProcessRunner.Run(withoutNetRaw[0], [.. withoutNetRaw[1..], "grep", "^CapEff:", "/proc/self/status"], RepoArtifacts.Root, Limit);
        var effective = Convert.ToUInt64(status.Output.Split(':')[1].Trim(), 16);
        Assert.That(effective & (1UL << 13), Is.Zero, $"setpriv left CAP_NET_RAW (bit 13) in the effective set: {status}");

        var plugin = Path.Combine(RepoArtifacts.PluginsDirectory, "Widescan.Plugin", "Widescan.Plugin.dll");
        var run = ProcessRunner.Run(withoutNetRaw[0],
            [.. withoutNetRaw[1..], "dotnet", Path.Combine(_published, "Widescan.TestHost.dll"), $"--Plugin={plugin}", "--Scan=",
                "--Widescan:Listen=true", "--Widescan:ServicePort=30303"],
            RepoArtifacts.Root, Limit);

        var lines = run.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, "the host stays up and stops cleanly: " + run);
            Assert.That(lines, Has.One.StartsWith("health Unhealthy: the Widescan listener is not running: ").And.Contains("CAP_NET_RAW"), run.ToString);
            Assert.That(run.Output, Does.Contain("The Widescan listener cannot run without CAP_NET_RAW"), "the error is logged: " + run);
            Assert.That(run.Output, Does.Not.Contain("Unhandled exception"), run.ToString);
        });
    }
}
