using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Widescan.Contracts;
using Widescan.Plugin.Discovery;
using Widescan.Plugin.Generation;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The module's extension points as a third party meets them: a broadcaster and a listener written
/// against the contracts alone (<see cref="LoopbackBroadcaster"/>, <see cref="LoopbackListener"/>), chosen by name like the plugin's own,
/// get the pipeline's lanes, the pacing, the failure reason and the summary right; names are found
/// ignoring case and duplicates refused; an injected clock drives the run's waits.
/// No socket is opened and no packet leaves the process.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class ExtensionPointTests
{
    private const string Swept = "2001:db8:200::/120";
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("widescan-extend-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task A_third_party_broadcaster_and_listener_chosen_by_name_run_a_scan_to_a_complete_summary()
    {
        var wire = new LoopbackWire();
        var broadcaster = new LoopbackBroadcaster(wire);
        var module = Module(broadcaster, new LoopbackListener(wire));
        var logFile = Path.Combine(_directory, "run.log");
        var options = ModuleInLab.ScanOptions(Swept, rate: 100_000) with
        {
            Generator = "CPU",
            Broadcaster = "LoopBack",
            Listener = "LOOPBACK",
            Dealias = true, // the loopback sender cannot send alias probes: the documented fallback
            Cooldown = TimeSpan.FromMilliseconds(200),
            Log = new LogOptions { Console = false, FilePath = logFile },
        };

        var events = await All(module.RunAsync(options));
        var summary = events.OfType<ScanFinished>().Single().Summary;
        var log = File.ReadAllText(logFile);
        Assert.Multiple(() =>
        {
            Assert.That(summary.Status, Is.EqualTo(DiscoveryStatus.Complete), summary.Failure);
            Assert.That(summary.Generator, Is.EqualTo("cpu"));
            Assert.That(summary.Positions, Is.EqualTo(256));
            Assert.That(summary.Cursor, Is.EqualTo(256), "every batch the two lanes completed moved the cursor to the end");
            Assert.That(summary.ProbesSent, Is.EqualTo(255));
            Assert.That(summary.SendFailures, Is.EqualTo(1));
            Assert.That(summary.PacketsReceived, Is.EqualTo(255));
            Assert.That(summary.Alive, Is.EqualTo(255));
            Assert.That(events.OfType<HostAlive>().Select(h => h.Address).Distinct().Count(), Is.EqualTo(255), "each answer reported once");
            Assert.That(summary.RateReductions, Is.GreaterThanOrEqualTo(1), "the listener's backlog paced the sender");
            Assert.That(broadcaster.Opened!.LowestLimit, Is.LessThan(options.Rate));
            Assert.That(summary.RateLowest, Is.EqualTo((long)broadcaster.Opened.LowestLimit));
            Assert.That(log, Does.Contain(LoopbackSender.Failure), "the warning on failed probes gives the sender's reason");
            Assert.That(log, Does.Contain("Aliased-prefix detection is off"), "without alias probes, dealiasing is off and says so");
            Assert.That(log, Does.Contain("Listening with loopback: an in-memory loopback wire"));
        });
    }

    [Test]
    public void Two_listeners_named_alike_are_refused_naming_both()
    {
        var wire = new LoopbackWire();
        var module = new DiscoveryModule(
            [Part<IAddressGenerator>(new CpuAddressGenerator(), "cpu")],
            [Part<IProbeBroadcaster>(new LoopbackBroadcaster(wire), "loopback")],
            [Part<IDiscoveryListener>(new LoopbackListener(wire), "loopback"), Part<IDiscoveryListener>(new LoopbackListener(wire), "LoopBack")]);
        var options = ModuleInLab.ScanOptions(Swept) with { Broadcaster = "loopback", Listener = "loopback" };

        var e = Assert.ThrowsAsync<DuplicatePartException>(async () => await All(module.RunAsync(options)));
        Assert.That(e!.Names, Is.EqualTo(new[] { "loopback", "LoopBack" }));
        Assert.That(e.Message, Does.Contain("2 listener parts are named 'loopback'"));
    }

    [Test]
    public async Task A_listen_only_hour_on_an_injected_clock_ends_when_the_clock_is_advanced_an_hour()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var options = new WidescanOptions
        {
            ListenOnly = true,
            ListenDuration = TimeSpan.FromHours(1),
            Listener = "loopback",
            TimeProvider = clock,
            Log = new LogOptions { Console = false },
        };

        var real = Stopwatch.StartNew();
        var running = All(Module(new LoopbackBroadcaster(new LoopbackWire()), new LoopbackListener(new LoopbackWire())).RunAsync(options));

        // Not over before the hour: 59 minutes on the clock (in steps, as a host's time would pass).
        for (var i = 0; i < 59; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(5);
        }

        await Task.Delay(200);
        Assert.That(running.IsCompleted, Is.False, "59 minutes of a one-hour listen");

        while (!running.IsCompleted && real.Elapsed < TimeSpan.FromSeconds(20))
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(5);
        }

        var events = await running;
        var finished = events.OfType<ScanFinished>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(finished.Summary.Status, Is.EqualTo(DiscoveryStatus.Complete));
            Assert.That(finished.Summary.Duration, Is.GreaterThanOrEqualTo(TimeSpan.FromHours(1)), "the duration is the clock's");
            Assert.That(finished.Time - start, Is.GreaterThanOrEqualTo(TimeSpan.FromHours(1)).And.LessThan(TimeSpan.FromHours(1.5)), "timestamps are the clock's");
            Assert.That(events.OfType<ProgressReported>().Count(), Is.GreaterThan(2), "progress every stats interval of the clock");
        });
    }

    private static DiscoveryModule Module(LoopbackBroadcaster broadcaster, LoopbackListener listener) => new(
        [Part<IAddressGenerator>(new CpuAddressGenerator(), "cpu")],
        [Part<IProbeBroadcaster>(new RawProbeBroadcaster(), "raw"), Part<IProbeBroadcaster>(broadcaster, "loopback")],
        [Part<IDiscoveryListener>(new RawSocketListener(), "raw"), Part<IDiscoveryListener>(listener, "loopback")]);

    private static Lazy<T, PartMetadata> Part<T>(T part, string name) => new(() => part, new PartMetadata { Name = name });

    private static async Task<List<DiscoveryEvent>> All(IAsyncEnumerable<DiscoveryEvent> run)
    {
        var events = new List<DiscoveryEvent>();
        await foreach (var e in run)
            events.Add(e);
        return events;
    }
}
