using Widescan.Contracts;
using Widescan.Host;

namespace Widescan.Tests.Discovery;

/// <summary>
/// <c>widescan scan</c> and <c>listen</c> run in-process through WidescanCli.Run. No plugin here exports
/// a module (the real one lives on another branch), so every run ends before anything could be sent.
/// </summary>
public class ScanCommandTests
{
    private string temp = null!;

    [OneTimeSetUp]
    public void CreateTemp() => temp = Directory.CreateTempSubdirectory("widescan-scan-command-").FullName;

    [OneTimeTearDown]
    public void DeleteTemp() => Directory.Delete(temp, recursive: true);

    [TestCase("scan", "--prefix", "2001:db8::/120", "--allow-reserved")]
    [TestCase("listen", "--duration", "1")]
    public void WithoutADiscoveryModuleItSaysSoInOneLineAndExitsOne(params string[] args)
    {
        var plugins = Directory.CreateDirectory(Path.Combine(temp, $"plugins-{args[0]}")).FullName;
        var output = Path.Combine(temp, $"{args[0]}.jsonl");
        var run = CliRun.Run(["--plugins", plugins, .. args, "--output", output]);

        Assert.That(run.Code, Is.EqualTo(ExitCodes.Failure), run.ToString());
        Assert.That(run.Error, Is.EqualTo($"widescan {args[0]}: no plugin in {plugins} exports a discovery module (see widescan plugins){Environment.NewLine}"));
        Assert.That(run.Output, Is.Empty);
        Assert.That(File.Exists(output), Is.False, "no output file without a module to fill it");
    }

    [Test]
    public void APluginThatCannotLoadLeavesNoModuleEither()
    {
        var plugins = Path.Combine(temp, "broken-plugins");
        Directory.CreateDirectory(Path.Combine(plugins, "Broken"));
        File.WriteAllBytes(Path.Combine(plugins, "Broken", "Broken.dll"), [0x4d, 0x5a, 1, 2, 3]);

        var run = CliRun.Run("--plugins", plugins, "scan", "--prefix", "2001:db8::/120", "--allow-reserved");

        Assert.That(run.Code, Is.EqualTo(ExitCodes.Failure), run.ToString());
        Assert.That(run.Error.TrimEnd().Split('\n'), Has.Length.EqualTo(1).And.One.Contains("exports a discovery module"));
    }

    [Test]
    public void BadFlagsGetOneLineEachAndExitTwoBeforeAnyPluginLoads()
    {
        var run = CliRun.Run("--plugins", Path.Combine(temp, "never-read"), "scan", "--prefix", "2001:db8::1/64", "--rate", "0",
            "--node-id", "x", "--start", "3", "--state", Path.Combine(temp, "s.json"));

        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString());
        var lines = run.Error.TrimEnd().Split(Environment.NewLine);
        Assert.That(lines, Has.Length.EqualTo(4));
        Assert.That(lines, Is.All.StartsWith("widescan scan: "));
        Assert.That(run.Error, Does.Not.Contain("discovery module"));
    }

    [Test]
    public void AStateFileOfACompleteScanExitsZeroWithNothingToSend()
    {
        string[] target = ["scan", "--prefix", "2001:db8::/120", "--allow-reserved", "--seed", "5"];
        var path = Path.Combine(temp, "done.json");
        var spec = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/120")], Seed = 5, AllowReserved = true };
        ScanState.Of(spec, cursor: 256, positions: 256, DateTimeOffset.UnixEpoch).Save(path);

        var run = CliRun.Run(["--plugins", Path.Combine(temp, "never-read"), .. target, "--state", path]);

        Assert.That(run.Code, Is.EqualTo(ExitCodes.Ok), run.ToString());
        Assert.That(run.Error, Is.EqualTo($"widescan scan: the scan saved in {path} is complete (cursor 256 of 256); nothing to send{Environment.NewLine}"));
    }

    [Test]
    public void AStateFileOfAnotherScanExitsTwoWithTheDifference()
    {
        var path = Path.Combine(temp, "other.json");
        var spec = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/120")], Seed = 5, AllowReserved = true };
        ScanState.Of(spec, 1, 256, DateTimeOffset.UnixEpoch).Save(path);

        var run = CliRun.Run("scan", "--prefix", "2001:db8::/120", "--allow-reserved", "--seed", "6", "--state", path);

        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Error.TrimEnd(), Is.EqualTo($"widescan scan: --state {path}: the saved state is of another scan: the seed differs (saved: 5)"));
    }

    [Test]
    public void ListenTakesNoTargetFlags()
    {
        var run = CliRun.Run("listen", "--prefix", "2001:db8::/120");
        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(run.Error, Does.Contain("--prefix"));
    }
}
