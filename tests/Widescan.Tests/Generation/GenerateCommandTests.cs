using System.Buffers.Binary;
using Widescan.Contracts;
using Widescan.Tests.Hosting;

namespace Widescan.Tests.Generation;

/// <summary>
/// <c>widescan generate</c> end to end: the packaged harness and plugins, run as a process (so that
/// --gpu-device, which the harness passes through the environment, stays in that process).
/// </summary>
[NonParallelizable]
public class GenerateCommandTests
{
    private string temp = null!;

    [OneTimeSetUp]
    public void CreateTemp() => temp = Directory.CreateTempSubdirectory("widescan-generate-").FullName;

    [OneTimeTearDown]
    public void DeleteTemp() => Directory.Delete(temp, recursive: true);

    [Test]
    public void BinaryOutputIsEveryTargetOfAPrefixOnceInAScrambledOrder()
    {
        var file = Path.Combine(temp, "all.bin");
        var run = Widescan("generate", "--prefix", "2001:db8::/112", "--allow-reserved", "--seed", "42",
            "--generator", "cpu", "--format", "binary", "--output", file);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());

        var targets = ReadBinary(file);
        var prefix = Ipv6Prefix.Parse("2001:db8::/112");
        Assert.That(targets, Has.Count.EqualTo(65_536));
        Assert.That(targets.Distinct().Count(), Is.EqualTo(65_536), "each target once");
        Assert.That(targets.All(prefix.Contains), Is.True);
        Assert.That(targets.Take(16).Zip(targets.Skip(1)).Count(p => p.Second == p.First + 1), Is.LessThan(8), "the order is scrambled");

        var again = Path.Combine(temp, "again.bin");
        Widescan("generate", "--prefix", "2001:db8::/112", "--allow-reserved", "--seed", "42", "--format", "binary", "--output", again);
        Assert.That(ReadBinary(again), Is.EqualTo(targets), "the same seed gives the same order, whichever generator auto picks");
    }

    [Test]
    public void ShardsAndACursorResumeCoverTheSpaceExactlyOnce()
    {
        var all = new List<UInt128>();
        for (var shard = 0; shard < 3; shard++)
        {
            var first = Text("--prefix", "2001:db8::/118", "--allow-reserved", "--seed", "7", "--shard", $"{shard}/3", "--count", "100");
            var rest = Text("--prefix", "2001:db8::/118", "--allow-reserved", "--seed", "7", "--shard", $"{shard}/3", "--start", "100");
            var whole = Text("--prefix", "2001:db8::/118", "--allow-reserved", "--seed", "7", "--shard", $"{shard}/3");
            Assert.That(first.Concat(rest), Is.EqualTo(whole), $"shard {shard}: [0,100) then [100,end) equals [0,end)");
            all.AddRange(whole);
        }

        Assert.That(all, Has.Count.EqualTo(1024));
        Assert.That(all.Distinct().Count(), Is.EqualTo(1024), "shards are disjoint and together complete");
    }

    [Test]
    public void ExclusionsAndTheBlocklistAreNeverProduced()
    {
        var targets = Text("--prefix", "2001:db8::/120", "--allow-reserved", "--exclude", "2001:db8::80/121", "--seed", "1");
        Assert.That(targets, Has.Count.EqualTo(128));
        Assert.That(targets.All(a => a < Ipv6Address.Parse("2001:db8::80")), Is.True);

        var blocked = Widescan("generate", "--prefix", "2001:db8::/120");
        Assert.That(blocked.ExitCode, Is.Zero);
        Assert.That(blocked.Output, Does.Contain("inside the reserved 2001:db8::/32").And.Contain("--allow-reserved"));
        Assert.That(blocked.Output.Split('\n').Count(l => l.StartsWith("2001:db8", StringComparison.Ordinal)), Is.Zero,
            "without --allow-reserved the documentation range yields nothing");
    }

    [Test]
    public void APrefixFileWithAWindowProbesOneAddressPerSubnet()
    {
        var list = Path.Combine(temp, "prefixes.txt");
        File.WriteAllText(list, "# from widescan ripe\n2001:db8:100::/52 window=/64   # EXAMPLE-NET NL\n");
        var targets = Text("--prefix-file", list, "--allow-reserved", "--seed", "3");
        Assert.That(targets, Has.Count.EqualTo(4096));
        Assert.That(targets.Select(t => t >> 64).Distinct().Count(), Is.EqualTo(4096), "one target per /64");
        Assert.That(targets.All(t => (ulong)t == 1), Is.True, "the default identifier is ::1");
        Assert.That(targets.All(Ipv6Prefix.Parse("2001:db8:100::/52").Contains), Is.True);
    }

    [Test]
    public void APrefixFileMixingWindowsProbesEachPrefixPerItsOwnWindow()
    {
        var list = Path.Combine(temp, "mixed.txt");
        File.WriteAllText(list, "2001:db8:100::/52 window=/56  # AGGREGATED-BY-LIR, assignment-size 56\n2001:db8:200::/56 window=/64\n");
        var targets = Text("--prefix-file", list, "--allow-reserved", "--seed", "5");
        Assert.That(targets, Has.Count.EqualTo(16 + 256));
        Assert.That(targets.Count(Ipv6Prefix.Parse("2001:db8:100::/52").Contains), Is.EqualTo(16), "one per /56 site");
        Assert.That(targets.Where(Ipv6Prefix.Parse("2001:db8:200::/56").Contains).Select(t => t >> 64).Distinct().Count(), Is.EqualTo(256), "one per /64");

        File.AppendAllText(list, "2001:db8:300::/48\n");
        var run = Widescan("generate", "--prefix-file", list, "--allow-reserved");
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Output, Does.Contain("2001:db8:300::/48 has no window while others have one"));
    }

    [Test]
    public void TheGpuKernelOnTheEmulatorWritesTheCpuSequence()
    {
        string[] spec = ["--prefix", "2001:db8::/116", "--allow-reserved", "--seed", "99", "--shard", "1/2"];
        var cpu = Text([.. spec, "--generator", "cpu"]);
        var gpu = Text([.. spec, "--generator", "gpu", "--gpu-device", "emulator"]);
        Assert.That(gpu, Has.Count.EqualTo(2048));
        Assert.That(gpu, Is.EqualTo(cpu));
    }

    [Test]
    public void AGpuGeneratorWithoutAGpuSaysSoAndExitsNonZero()
    {
        var run = Widescan("generate", "--prefix", "2001:db8::/120", "--allow-reserved", "--generator", "gpu");
        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("generator 'gpu' cannot serve"));
    }

    [Test]
    public void BadFlagsGetOneLineEachAndExitCode2()
    {
        var run = Widescan("generate", "--prefix", "2001:db8::1/64", "--iid", "sometimes", "--shard", "3/2", "--seed", "x");
        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.Contain("host bits set"));
        Assert.That(run.Output, Does.Contain("IID pattern 'sometimes'"));
        Assert.That(run.Output, Does.Contain("shard '3/2'"));
        Assert.That(run.Output, Does.Contain("--seed 'x'"));

        var unknown = Widescan("generate", "--prefix", "2001:db8::/120", "--allow-reserved", "--generator", "nope");
        Assert.That(unknown.ExitCode, Is.EqualTo(1));
        Assert.That(unknown.Output, Does.Contain("no generator named 'nope'").And.Contain("cpu"));
    }

    [Test]
    public void AGeneratorNameInAnyCaseServesGenerateAndScanAlike()
    {
        var file = Path.Combine(temp, "upper.txt");
        var generate = Widescan("generate", "--prefix", "2001:db8::/124", "--allow-reserved", "--generator", "CPU", "--output", file);
        Assert.That(generate.ExitCode, Is.Zero, generate.ToString());
        Assert.That(File.ReadAllLines(file), Has.Length.EqualTo(16));

        // A dry run: the module's own lookup, and nothing is sent (the probes go to a file).
        var probes = Path.Combine(temp, "upper.pcap");
        var scan = Widescan("scan", "--prefix", "2001:db8::/124", "--allow-reserved", "--generator", "CPU", "--source", "2001:db8::1",
            "--dryrun", probes, "--output", Path.Combine(temp, "upper.jsonl"));
        Assert.That(scan.ExitCode, Is.Zero, scan.ToString());
        Assert.That(Discovery.DryRunFile.Read(probes).Select(p => p.Destination), Is.EquivalentTo(File.ReadAllLines(file).Select(Ipv6Address.Parse)),
            "the same 16 targets");
    }

    [Test]
    public void AThirdPartyGeneratorServesWithoutRecompilingTheHost()
    {
        var plugins = Path.Combine(temp, "plugins");
        CopyFolder(Path.Combine(RepoArtifacts.PluginsDirectory, "Widescan.Plugin"), Path.Combine(plugins, "Widescan.Plugin"));
        var project = Path.Combine(RepoArtifacts.Root, "tests", "plugins", "Widescan.SamplePlugin", "Widescan.SamplePlugin.csproj");
        var publish = ProcessRunner.Run("dotnet", ["publish", project, "-c", "Release", "-o", Path.Combine(plugins, "Widescan.SamplePlugin"), "--nologo"],
            RepoArtifacts.Root, TimeSpan.FromMinutes(5));
        Assert.That(publish.ExitCode, Is.Zero, publish.ToString());

        var listing = Widescan("plugins", "--plugins", plugins);
        Assert.That(listing.ExitCode, Is.Zero, listing.ToString());
        Assert.That(listing.Output, Does.Contain("sample").And.Contain("Widescan.SamplePlugin"));

        var file = Path.Combine(temp, "sample.txt");
        var run = Widescan("generate", "--plugins", plugins, "--generator", "sample", "--prefix", "2001:db8::/124", "--allow-reserved", "--output", file);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var expected = Enumerable.Range(0, 16).Select(i => Ipv6Address.Format(Ipv6Address.Parse("2001:db8::") + (UInt128)i));
        Assert.That(File.ReadAllLines(file), Is.EqualTo(expected), "the sample generator's plain ascending order");
    }

    private List<UInt128> Text(params string[] arguments)
    {
        var file = Path.Combine(temp, $"out-{Guid.NewGuid():n}.txt");
        var run = Widescan(["generate", .. arguments, "--output", file]);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        return File.ReadAllLines(file).Select(Ipv6Address.Parse).ToList();
    }

    private static ProcessRunner.Result Widescan(params string[] arguments)
    {
        string[] plugins = arguments.Contains("--plugins") ? [] : ["--plugins", RepoArtifacts.PluginsDirectory];
        return ProcessRunner.Run("dotnet", [Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll"), .. arguments, .. plugins],
            RepoArtifacts.Root, TimeSpan.FromMinutes(2));
    }

    private static List<UInt128> ReadBinary(string file)
    {
        var bytes = File.ReadAllBytes(file);
        Assert.That(bytes.Length % 16, Is.Zero);
        return Enumerable.Range(0, bytes.Length / 16).Select(i => BinaryPrimitives.ReadUInt128BigEndian(bytes.AsSpan(i * 16, 16))).ToList();
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
