using Widescan.Contracts;
using Widescan.Host;
using Widescan.Plugin.Discovery;
using Widescan.Plugin.Probing;

namespace Widescan.Tests.Discovery;

/// <summary>
/// <see cref="WidescanOptions.DryRunPath"/>: the module's real send path (pipeline, pacing, budget,
/// cursor) writing its probes to a pcap file. Nothing is sent and no socket is opened, so these run
/// in-process without root; the file is read back with libpcap and parsed with PacketDotNet.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class DryRunTests
{
    private const string Swept = "2001:db8:100::/120";
    private static readonly UInt128 Source = Ipv6Address.Parse("2001:db8:1::1");
    private static readonly byte[] Key = "dry run test network key 0000001"u8.ToArray();
    private static readonly byte[] Secret = [.. Enumerable.Range(40, 16).Select(i => (byte)i)];
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("widescan-dryrun-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task A_dry_run_of_a_120_writes_256_valid_probes_to_its_256_targets_and_reports_no_replies()
    {
        var options = Options("all.pcap") with { NetworkKey = Key };
        var (events, probes) = await DryRun(options);
        var summary = events.OfType<ScanFinished>().Single().Summary;
        var peer = new PacketClassifier(new WireIdentity(NodeId.NewRandom(), 1, Key), ValidationTag.NewRandom(), TimeProvider.System, isOwn: _ => true);
        var prefix = Ipv6Prefix.Parse(Swept);
        Assert.Multiple(() =>
        {
            Assert.That(probes, Has.Count.EqualTo(256));
            Assert.That(probes.Select(p => p.Destination).Distinct().Count(), Is.EqualTo(256), "256 distinct targets");
            Assert.That(probes.All(p => prefix.Contains(p.Destination)), Is.True, "every target inside the prefix");
            Assert.That(probes.All(p => p.Source == Source), Is.True, "from SourceAddress");
            Assert.That(probes.Count(DryRunFile.ChecksumIsRight), Is.EqualTo(256), "our checksum over the pseudo-header");
            Assert.That(probes.Count(p => DryRunFile.TagIsRight(p, Secret)), Is.EqualTo(256), "the run's validation tag");
            Assert.That(probes.Select(p => peer.ClassifyIcmp(p.Message, p.Source, p.Destination)).Count(c => c.Kind == PacketKind.ProbeReceived && c.Authenticated),
                Is.EqualTo(256), "a keyed node takes each as our authenticated probe (MAC over both addresses)");
            Assert.That(summary.ProbesSent, Is.EqualTo(256));
            Assert.That(summary.PacketsReceived, Is.Zero);
            Assert.That(summary.Status, Is.EqualTo(DiscoveryStatus.Complete));
            Assert.That(events.OfType<HostAlive>(), Is.Empty);
            Assert.That(Directory.GetFiles(_directory), Has.Length.EqualTo(1), "no temporary file left beside it");
        });
    }

    [Test]
    public async Task Two_probes_per_target_write_512_two_to_each_target()
    {
        var options = Options("twice.pcap") with { ProbesPerTarget = 2, ProbeInterval = TimeSpan.FromMilliseconds(50) };
        var (_, probes) = await DryRun(options);
        Assert.That(probes, Has.Count.EqualTo(512));
        var perTarget = probes.GroupBy(p => p.Destination).Select(g => g.Count()).ToList();
        Assert.That(perTarget, Has.Count.EqualTo(256));
        Assert.That(perTarget, Has.All.EqualTo(2));
        Assert.That(probes.Count(DryRunFile.ChecksumIsRight), Is.EqualTo(512));
    }

    [Test]
    public async Task The_cap_holds_and_a_resume_from_the_saved_state_writes_exactly_the_rest()
    {
        var state = Path.Combine(_directory, "scan.state");
        var first = Options("first.pcap") with { MaxProbes = 100, StatePath = state };
        var (firstEvents, firstProbes) = await DryRun(first);
        var saved = ScanState.Load(state);

        var rest = Options("rest.pcap") with { StatePath = state, Targets = first.Targets! with { StartCursor = saved.Cursor } };
        var (_, restProbes) = await DryRun(rest);
        var all = firstProbes.Concat(restProbes).Select(p => p.Destination).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(firstProbes, Has.Count.EqualTo(100), "the cap");
            Assert.That(firstEvents.OfType<ScanFinished>().Single().Summary.ProbesSent, Is.EqualTo(100));
            Assert.That(saved.Cursor, Is.EqualTo(100), "the saved cursor covers exactly what was written");
            Assert.That(restProbes, Has.Count.EqualTo(156), "the resume writes the rest");
            Assert.That(all.Distinct().Count(), Is.EqualTo(256), "together every target once");
            Assert.That(ScanState.Load(state).Cursor, Is.EqualTo(256));
        });
    }

    [Test]
    public async Task A_dry_run_that_never_sends_leaves_an_existing_file_byte_for_byte()
    {
        var options = Options("kept.pcap");
        byte[] before = [1, 2, 3, 0xff, 0];
        await File.WriteAllBytesAsync(options.DryRunPath!, before);

        // The host takes the first event and leaves: the module stops before its first probe.
        var events = DiscoveryModule.WithOwnParts().RunAsync(options, Secret, CancellationToken.None).GetAsyncEnumerator();
        Assert.That(await events.MoveNextAsync(), Is.True);
        await events.DisposeAsync();

        Assert.That(await File.ReadAllBytesAsync(options.DryRunPath!), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_directory), Has.Length.EqualTo(1), "the temporary file is gone");
    }

    [Test]
    public void A_dry_run_path_that_is_a_symbolic_link_is_refused_and_its_target_left_alone()
    {
        // A link planted in a shared directory must not let a privileged run write where it points.
        var victim = Path.Combine(_directory, "victim");
        File.WriteAllText(victim, "precious");
        var options = Options("planted.pcap");
        File.CreateSymbolicLink(options.DryRunPath!, victim);
        var error = Assert.CatchAsync(async () => await DiscoveryModule.WithOwnParts().RunAsync(options, Secret, CancellationToken.None).ToListAsync());
        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("is a symbolic link"));
            Assert.That(File.ReadAllText(victim), Is.EqualTo("precious"));
            Assert.That(Directory.GetFiles(_directory), Has.Length.EqualTo(2), "no temporary file left beside them");
        });
    }

    [Test]
    public void The_options_refuse_a_dry_run_path_that_is_the_state_or_log_file_or_with_listen_only()
    {
        var path = Path.Combine(_directory, "same");
        var clash = Options("x") with { DryRunPath = path, StatePath = path, Log = new LogOptions { FilePath = path, Console = false } };
        var listen = new WidescanOptions { ListenOnly = true, DryRunPath = path };
        Assert.That(clash.Validate(), Has.Some.Contains("DryRunPath and StatePath name the same file").And.Some.Contains("DryRunPath and Log.FilePath name the same file"));
        Assert.That(listen.Validate(), Has.One.Contains("DryRunPath").And.Contains("ListenOnly"));
        Assert.That((Options("x") with { DryRunPath = " " }).Validate(), Has.One.Contains("DryRunPath is empty"));
        Assert.That(Options("x").Validate(), Is.Empty);
        Assert.That(string.Join(" ", clash.Validate()), Does.Not.Contain("--"), "the contracts name properties, never flags");
    }

    [Test]
    public void The_cli_refuses_a_dryrun_file_that_is_the_output_or_the_state_before_loading_plugins()
    {
        var same = Path.Combine(_directory, "same.out");
        var run = CliRun.Run("--plugins", Path.Combine(_directory, "never-read"), "scan", "--prefix", Swept, "--allow-reserved",
            "--dryrun", same, "--output", same, "--state", same);
        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Error, Does.Contain("--dryrun and --output name the same file").Or.Contain("--output and --dryrun name the same file"));
        Assert.That(run.Error, Does.Contain("--state and --dryrun name the same file"));
        Assert.That(File.Exists(same), Is.False);
    }

    private WidescanOptions Options(string file) => ModuleInLab.ScanOptions(Swept, rate: 100_000) with
    {
        SourceAddress = Source,
        DryRunPath = Path.Combine(_directory, file),
        RespondToPeers = false,
    };

    private static async Task<(List<DiscoveryEvent> Events, List<DryRunProbe> Probes)> DryRun(WidescanOptions options)
    {
        var events = new List<DiscoveryEvent>();
        await foreach (var e in DiscoveryModule.WithOwnParts().RunAsync(options, Secret, CancellationToken.None))
            events.Add(e);
        return (events, DryRunFile.Read(options.DryRunPath!));
    }
}
