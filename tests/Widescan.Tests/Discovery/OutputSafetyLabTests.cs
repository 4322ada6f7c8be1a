using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The packaged harness as a process in a lab namespace: a scan that fails before it sends (no
/// CAP_NET_RAW, an interface that does not exist) leaves an existing --output byte for byte as it
/// was, and makes none where there was none.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(60_000)]
public sealed class OutputSafetyLabTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Test]
    public void A_scan_that_fails_before_sending_leaves_the_output_untouched()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces and to drop CAP_NET_RAW with setpriv (CI runs as root)");
        NetnsLab.EnsureTool("setpriv", "util-linux");
        using var lab = NetnsLab.Create();
        var temp = Directory.CreateTempSubdirectory("widescan-output-safety-").FullName;
        try
        {
            var output = Path.Combine(temp, "results.jsonl");
            byte[] before = [.. "{\"type\":\"alive\",\"address\":\"2001:db8::1\"}\n"u8, 0xff, 0x00, (byte)'\n'];
            File.WriteAllBytes(output, before);
            var missing = Path.Combine(temp, "never.jsonl");
            string[] scan = ["scan", "--prefix", "2001:db8:100::/120", "--allow-reserved", "--generator", "cpu", "-q"];

            var noCapability = Harness(lab.Scanner, ["setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw"], [.. scan, "--output", output]);
            var badInterface = Harness(lab.Scanner, [], [.. scan, "--interface", "nosuch0", "--output", output]);
            var badInterfaceNew = Harness(lab.Scanner, [], [.. scan, "--interface", "nosuch0", "--output", missing]);

            Assert.Multiple(() =>
            {
                Assert.That(noCapability.ExitCode, Is.EqualTo(77), noCapability.ToString);
                Assert.That(noCapability.Output, Does.Contain("CAP_NET_RAW is missing"));
                Assert.That(badInterface.ExitCode, Is.EqualTo(1), badInterface.ToString);
                Assert.That(badInterface.Output, Does.Contain("nosuch0"));
                Assert.That(badInterfaceNew.ExitCode, Is.EqualTo(1), badInterfaceNew.ToString);
                Assert.That(File.ReadAllBytes(output), Is.EqualTo(before), "the existing results are byte for byte as they were");
                Assert.That(File.Exists(missing), Is.False, "a run that never started leaves no empty file behind");
            });
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static ProcessRunner.Result Harness(string ns, string[] wrapper, string[] arguments) =>
        ProcessRunner.Run(wrapper.Length > 0 ? wrapper[0] : "ip",
            [.. wrapper.Skip(1), .. (wrapper.Length > 0 ? new[] { "ip" } : []), "netns", "exec", ns, "dotnet",
                Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll"), "--plugins", RepoArtifacts.PluginsDirectory, .. arguments],
            RepoArtifacts.Root, Limit);
}
