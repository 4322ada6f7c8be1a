using System.Text;
using Widescan.Contracts;
using Widescan.Host;
using Widescan.Host.Commands;
using Widescan.Host.Output;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The flags of <c>scan</c> and <c>listen</c> through WidescanCli's own parser into WidescanOptions.
/// Nothing here runs a module: Build only translates.
/// </summary>
public class DiscoveryFlagsTests
{
    private const string Hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private string temp = null!;

    [OneTimeSetUp]
    public void CreateTemp() => temp = Directory.CreateTempSubdirectory("widescan-discovery-flags-").FullName;

    [OneTimeTearDown]
    public void DeleteTemp() => Directory.Delete(temp, recursive: true);

    [Test]
    public void EveryScanFlagLandsInTheOptions()
    {
        var key = File(" \n" + Hex + "\n");
        var state = Path.Combine(temp, "new-state.json");
        var (request, errors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--seed", "7", "--shard", "1/2",
            "--generator", "cpu", "--gpu-device", "emulator",
            "--interface", "veth0", "--source", "2001:DB8:0::2", "--rate", "5000", "--probes", "3", "--probe-interval", "0.25",
            "--cooldown", "2.5", "--max-probes", "1234", "--node-id", "00112233-44556677-8899aabb-ccddeeff", "--port", "4242",
            "--network-key-file", key, "--app-data", "héllo", "--no-respond", "--state", state,
            "--output", Path.Combine(temp, "out.csv"), "--format", "csv", "--log-file", Path.Combine(temp, "scan.log"),
            "--stats-interval", "2", "--quiet");

        Assert.That(errors, Is.Empty);
        var o = request!.Options;
        Assert.That(o.ListenOnly, Is.False);
        Assert.That(o.Targets!.Include, Is.EqualTo(new[] { Ipv6Prefix.Parse("2001:db8::/120") }));
        Assert.That(o.Targets.Seed, Is.EqualTo(7UL));
        Assert.That(o.Targets.Shard, Is.EqualTo(new ShardSpec(1, 2)));
        Assert.That(o.Targets.AllowReserved, Is.True);
        Assert.That(o.Generator, Is.EqualTo("cpu"));
        Assert.That(o.GpuDevice, Is.EqualTo("emulator"));
        Assert.That(o.Interface, Is.EqualTo("veth0"));
        Assert.That(o.SourceAddress, Is.EqualTo(Ipv6Address.Parse("2001:db8::2")));
        Assert.That(o.Rate, Is.EqualTo(5000));
        Assert.That(o.ProbesPerTarget, Is.EqualTo(3));
        Assert.That(o.ProbeInterval, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        Assert.That(o.Cooldown, Is.EqualTo(TimeSpan.FromSeconds(2.5)));
        Assert.That(o.MaxProbes, Is.EqualTo(1234UL));
        Assert.That(o.NodeId, Is.EqualTo(NodeId.Parse("00112233445566778899aabbccddeeff")));
        Assert.That(o.ServicePort, Is.EqualTo((ushort)4242));
        Assert.That(o.NetworkKey.ToArray(), Is.EqualTo(Convert.FromHexString(Hex)), "a hex file is decoded");
        Assert.That(o.ApplicationData.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes("héllo")));
        Assert.That(o.RespondToPeers, Is.False);
        Assert.That(o.StatePath, Is.EqualTo(state));
        Assert.That(o.Log.MinimumLevel, Is.EqualTo(WidescanLogLevel.Warning));
        Assert.That(o.Log.FilePath, Is.EqualTo(Path.Combine(temp, "scan.log")));
        Assert.That(o.Log.StatsInterval, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(request.Output!.FullName, Is.EqualTo(Path.Combine(temp, "out.csv")));
        Assert.That(request.Format, Is.EqualTo(ResultFormat.Csv));
        Assert.That(request.Resumed, Is.Null, "a state file that does not exist yet is where the module will save");
    }

    [Test]
    public void AbsentFlagsKeepTheContractsDefaultsAndTheNodeIdIsRandom()
    {
        var (first, errors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved");
        var (second, _) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved");

        Assert.That(errors, Is.Empty);
        var defaults = new WidescanOptions();
        var o = first!.Options;
        Assert.That(o.Rate, Is.EqualTo(1000).And.EqualTo(defaults.Rate));
        Assert.That(o.ProbesPerTarget, Is.EqualTo(1));
        Assert.That(o.ProbeInterval, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(o.Cooldown, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(o.MaxProbes, Is.EqualTo(defaults.MaxProbes));
        Assert.That(o.Generator, Is.EqualTo("auto"));
        Assert.That(o.RespondToPeers, Is.True);
        Assert.That(o.NetworkKey.IsEmpty && o.ApplicationData.IsEmpty, Is.True);
        Assert.That(o.Interface, Is.Null);
        Assert.That(o.SourceAddress, Is.Null);
        Assert.That(o.StatePath, Is.Null);
        Assert.That(o.Log.MinimumLevel, Is.EqualTo(WidescanLogLevel.Information));
        Assert.That(o.Log.StatsInterval, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(first.Output, Is.Null);
        Assert.That(first.Format, Is.EqualTo(ResultFormat.Jsonl));
        Assert.That(second!.Options.NodeId, Is.Not.EqualTo(o.NodeId));
    }

    [Test]
    public void AKeyFileThatIsNotHexIsTakenAsRawBytes()
    {
        byte[] raw = [0x00, 0xff, .. Enumerable.Range(1, 18).Select(i => (byte)(i * 13)), (byte)'\n'];
        var (request, errors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--network-key-file", File(raw));

        Assert.That(errors, Is.Empty);
        Assert.That(request!.Options.NetworkKey.ToArray(), Is.EqualTo(raw), "every byte, none trimmed");
    }

    [Test]
    public void AShortKeyIsRefusedNamingTheFile()
    {
        var shortRaw = File([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        var shortHex = File(Hex[..30] + "\n");
        var missing = Path.Combine(temp, "no-such-key");

        foreach (var (file, why) in new[] { (shortRaw, "the key is 10 bytes"), (shortHex, "30 hex digits"), (missing, missing) })
        {
            var (request, errors) = Listen("--network-key-file", file);
            Assert.That(request, Is.Null);
            Assert.That(errors, Has.Count.EqualTo(1));
            Assert.That(errors[0], Does.StartWith($"--network-key-file {file}").And.Contain(why));
        }
    }

    [Test]
    public void ABadNodeIdSaysSo()
    {
        var (request, errors) = Listen("--node-id", "abc");
        Assert.That(request, Is.Null);
        Assert.That(errors, Is.EqualTo(new[] { "--node-id: node id 'abc' is not 32 hex digits" }));
    }

    [Test]
    public void StartAndStateDoNotGoTogether()
    {
        var (request, errors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--start", "5", "--state", Path.Combine(temp, "s.json"));
        Assert.That(request, Is.Null);
        Assert.That(errors, Has.One.StartsWith("--start and --state do not go together"));
    }

    [Test]
    public void AStateFileOfTheSameScanResumesAtItsCursorWithItsSeed()
    {
        string[] target = ["--prefix", "2001:db8::/120", "--allow-reserved", "--shard", "0/2"];
        var saved = CliParse.Scan([.. target, "--seed", "99"]).Request!.Options.Targets!;
        var path = Path.Combine(temp, "same.json");
        ScanState.Of(saved, cursor: 40, positions: 128, DateTimeOffset.UnixEpoch).Save(path);

        var (request, errors) = CliParse.Scan([.. target, "--state", path]);

        Assert.That(errors, Is.Empty);
        Assert.That(request!.Resumed!.Cursor, Is.EqualTo(40UL));
        Assert.That(request.Options.Targets!.StartCursor, Is.EqualTo(40UL));
        Assert.That(request.Options.Targets.Seed, Is.EqualTo(99UL), "without --seed the saved seed is used");
        Assert.That(request.Options.StatePath, Is.EqualTo(path));
    }

    [Test]
    public void AStateFileOfAnotherScanIsRefusedWithTheDifference()
    {
        var saved = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--seed", "1").Request!.Options.Targets!;
        var path = Path.Combine(temp, "other.json");
        ScanState.Of(saved, 10, 256, DateTimeOffset.UnixEpoch).Save(path);

        var (seed, seedErrors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--seed", "2", "--state", path);
        Assert.That(seed, Is.Null);
        Assert.That(seedErrors, Is.EqualTo(new[] { $"--state {path}: the saved state is of another scan: the seed differs (saved: 1)" }));

        var (prefix, prefixErrors) = CliParse.Scan("--prefix", "2001:db8::/119", "--allow-reserved", "--state", path);
        Assert.That(prefix, Is.Null);
        Assert.That(prefixErrors, Has.One.Contains("the prefixes differ (saved: 2001:db8::/120)"));

        System.IO.File.WriteAllText(path, "{ not json");
        var (broken, brokenErrors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--state", path);
        Assert.That(broken, Is.Null);
        Assert.That(brokenErrors, Has.One.Contains(path).And.Contains("not a Widescan state file"));
    }

    [Test]
    public void EveryProblemIsReportedAtOnce()
    {
        var (request, errors) = CliParse.Scan("--prefix", "2001:db8::1/64", "--source", "fe80::1%eth0", "--rate", "0", "--probes", "17",
            "--cooldown", "-1", "--node-id", "x", "--app-data", new string('a', 25), "--stats-interval", "0");

        Assert.That(request, Is.Null);
        Assert.That(errors, Has.Count.EqualTo(8), string.Join("\n", errors));
        Assert.That(errors, Has.One.Contains("host bits set"));
        Assert.That(errors, Has.One.StartsWith("--source: "));
        Assert.That(errors, Has.One.StartsWith("--node-id: "));
        Assert.That(errors, Has.One.EqualTo("--app-data is 25 bytes of UTF-8; at most 24 fit an announce"));
        Assert.That(errors, Has.One.EqualTo("--stats-interval must be more than 0 seconds"));
        Assert.That(errors, Has.One.EqualTo("rate 0 must be at least 1 probe per second"));
        Assert.That(errors, Has.One.EqualTo("probes per target 17 out of range (1-16)"));
        Assert.That(errors, Has.One.EqualTo("cooldown must not be negative"));
        Assert.That(errors, Has.None.Contains("no targets"), "the spec's own errors stand for it");
    }

    [Test]
    public void ListenListensOnlyForItsDuration()
    {
        var (request, errors) = Listen("--duration", "30", "--interface", "eth1", "--port", "9000", "--app-data", "v1", "--format", "jsonl");

        Assert.That(errors, Is.Empty);
        var o = request!.Options;
        Assert.That(o.ListenOnly, Is.True);
        Assert.That(o.Targets, Is.Null);
        Assert.That(o.ListenDuration, Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(o.Interface, Is.EqualTo("eth1"));
        Assert.That(o.ServicePort, Is.EqualTo((ushort)9000));
        Assert.That(o.ApplicationData.ToArray(), Is.EqualTo("v1"u8.ToArray()));
        Assert.That(Listen().Request!.Options.ListenDuration, Is.Null, "until Ctrl+C");
        Assert.That(Listen("--duration", "0").Errors, Is.EqualTo(new[] { "listen duration must be positive" }));
    }


    private static (DiscoveryRequest? Request, List<string> Errors) Listen(params string[] args)
    {
        var parse = WidescanCli.Create().Parse(["listen", .. args]);
        Assert.That(parse.Errors, Is.Empty, string.Join("\n", parse.Errors.Select(e => e.Message)));
        var errors = new List<string>();
        return (((ListenCommand)parse.CommandResult.Command).Build(parse, errors), errors);
    }

    private string File(string text) => File(Encoding.UTF8.GetBytes(text));

    private string File(byte[] bytes)
    {
        var path = Path.Combine(temp, $"key-{Guid.NewGuid():n}");
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }
}
