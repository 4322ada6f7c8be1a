using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Widescan.Contracts;
using Widescan.Hosting;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.HostingPackage;

/// <summary>
/// The plugin's real module (dry runs: nothing is sent, no privilege needed) in a host: its Serilog
/// events in the host's ILogger, its meter's series through the host's IMeterFactory across runs.
/// </summary>
[CancelAfter(30_000)]
public sealed class PluginLogsAndMeterTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("widescan-hosting-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void The_plugins_warnings_reach_the_host_sink_with_the_console_off_and_no_file()
    {
        var received = new List<WidescanLogEntry>();
        var sink = new ListSink(received);
        var options = new WidescanOptions { ListenOnly = true, Log = new LogOptions { Console = false, FilePath = null } };
        var session = new DiscoverySession(options);
        using (var log = DiscoveryLog.Create(options.Log, session, sink))
        {
            log.Warning("The capture still held {Frames} frames when the run ended", 12);
            log.Debug("below the level: never rendered");
        }

        var entry = received.Single();
        Assert.Multiple(() =>
        {
            Assert.That(entry.Level, Is.EqualTo(WidescanLogLevel.Warning));
            Assert.That(entry.Message, Is.EqualTo("The capture still held 12 frames when the run ended"));
            Assert.That(entry.MessageTemplate, Is.EqualTo("The capture still held {Frames} frames when the run ended"));
            Assert.That(entry.Properties, Is.EqualTo(new[] { new KeyValuePair<string, object?>("Frames", 12) }));
            Assert.That(entry.Source, Is.EqualTo(WidescanLogEntry.DefaultSource));
        });
    }

    [Test]
    public async Task Two_runs_at_once_keep_their_own_counters_and_logs_and_the_host_filters_hold(CancellationToken cancellationToken)
    {
        var (host, logs) = TestHosts.Build(s => s.AddWidescan(_ => { }).UseModule(new DryRunModule(_directory)));
        using (host)
        {
            await host.StartAsync(cancellationToken);
            var scanner = host.Services.GetRequiredService<IWidescanScanner>();
            var both = await Task.WhenAll(
                scanner.ScanAsync(TestHosts.Targets("2001:db8:100::/120"), cancellationToken),
                scanner.ScanAsync(TestHosts.Targets("2001:db8:200::/121"), cancellationToken));
            await host.StopAsync(cancellationToken);

            var wrote = logs.Records.Where(r => r.Category == "Widescan" && r.Message.StartsWith("Dry run: wrote", StringComparison.Ordinal)).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(both[0].Summary.ProbesSent, Is.EqualTo(256UL));
                Assert.That(both[1].Summary.ProbesSent, Is.EqualTo(128UL));
                Assert.That(both[0].Run, Is.Not.EqualTo(both[1].Run));
                Assert.That(wrote.Single(r => r.Run == both[0].Run).Properties["Probes"], Is.EqualTo(256L), "each run's log line in its own run");
                Assert.That(wrote.Single(r => r.Run == both[1].Run).Properties["Probes"], Is.EqualTo(128L));
                Assert.That(wrote.All(r => (string?)r.Properties["{OriginalFormat}"] == "Dry run: wrote {Probes} probes to {Path}"), "the template goes along");
            });
        }
    }

    [Test]
    public async Task A_host_logger_set_to_warnings_gets_no_information_lines_of_the_plugin(CancellationToken cancellationToken)
    {
        var (host, logs) = TestHosts.Build(s => s.AddWidescan(_ => { }).UseModule(new DryRunModule(_directory)), minimum: LogLevel.Warning);
        using (host)
        {
            await host.StartAsync(cancellationToken);
            var result = await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(TestHosts.Targets(), cancellationToken);
            await host.StopAsync(cancellationToken);
            Assert.That(result.Summary.ProbesSent, Is.EqualTo(256UL), "the run ran");
            Assert.That(logs.Records.Where(r => r.Category == "Widescan"), Has.None.Matches<LogRecord>(r => r.Level < LogLevel.Warning));
        }
    }

    [Test]
    public async Task The_meters_series_survive_runs_and_sum_them(CancellationToken cancellationToken)
    {
        var (host, _) = TestHosts.Build(s => s.AddWidescan(_ => { }).UseModule(new DryRunModule(_directory)));
        using (host)
        {
            var factory = host.Services.GetRequiredService<IMeterFactory>();
            var published = new List<Instrument>();
            var sent = 0L;
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Meter.Name == WidescanMetrics.MeterName)
                {
                    published.Add(instrument);
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                if (instrument.Name == WidescanMetrics.ProbesSent)
                    sent = value;
            });
            listener.Start();

            await host.StartAsync(cancellationToken);
            var scanner = host.Services.GetRequiredService<IWidescanScanner>();
            await scanner.ScanAsync(TestHosts.Targets(), cancellationToken);
            listener.RecordObservableInstruments();
            var afterFirst = sent;
            var instruments = published.Count;
            await scanner.ScanAsync(TestHosts.Targets("2001:db8:200::/121"), cancellationToken);
            listener.RecordObservableInstruments();
            await host.StopAsync(cancellationToken);

            Assert.Multiple(() =>
            {
                Assert.That(afterFirst, Is.EqualTo(256), "the first run's probes, after it ended");
                Assert.That(sent, Is.EqualTo(256 + 128), "both runs: the counter only grows");
                Assert.That(published, Has.Count.EqualTo(instruments), "no instrument is made again for the second run");
                Assert.That(published.Select(i => i.Name), Is.Unique);
            });
        }
    }

    [Test]
    public async Task OpenTelemetry_reads_one_cumulative_series_over_runs_with_AddWidescanInstrumentation(CancellationToken cancellationToken)
    {
        var exported = new List<Metric>();
        var (host, _) = TestHosts.Build(s =>
        {
            s.AddWidescan(_ => { }).UseModule(new DryRunModule(_directory));
        });
        using (host)
        using (var provider = Sdk.CreateMeterProviderBuilder().AddWidescanInstrumentation().AddInMemoryExporter(exported).Build())
        {
            await host.StartAsync(cancellationToken);
            var scanner = host.Services.GetRequiredService<IWidescanScanner>();
            await scanner.ScanAsync(TestHosts.Targets(), cancellationToken);
            provider.ForceFlush();
            var first = Sum(exported);
            exported.Clear();
            await scanner.ScanAsync(TestHosts.Targets("2001:db8:200::/121"), cancellationToken);
            provider.ForceFlush();
            await host.StopAsync(cancellationToken);
            // Other tests' runs without a host count on the process-wide meter of the same name, which
            // OpenTelemetry collects too: the second export is compared with the first.
            Assert.That(first, Is.GreaterThanOrEqualTo(256));
            Assert.That(Sum(exported) - first, Is.EqualTo(128), "one cumulative series across both runs");
        }
    }

    private static long Sum(List<Metric> metrics)
    {
        var total = 0L;
        foreach (var metric in metrics.Where(m => m.Name == WidescanMetrics.ProbesSent))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
                total += point.GetSumLong();
        }

        return total;
    }

    private sealed class ListSink(List<WidescanLogEntry> entries) : IWidescanLogSink
    {
        public void Write(WidescanLogEntry entry)
        {
            lock (entries)
                entries.Add(entry);
        }
    }
}
