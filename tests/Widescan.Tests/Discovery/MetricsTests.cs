using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Widescan.Contracts;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The run's counters on the "Widescan" meter, read by a MeterListener as dotnet-counters would. Each
/// test has its own IMeterFactory: the process-wide meter sums every run of the test process.
/// </summary>
public sealed class MetricsTests
{
    [Test]
    public void The_Widescan_meter_reports_the_run_counters()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var counters = new DiscoveryCounters();
        using var metrics = new DiscoveryMetrics(counters, factory);
        counters.AddProbesSent(1_000);
        counters.AddAlive(7);
        counters.AddPeers(2);
        counters.AddUnreachable(5);

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DiscoveryMetrics.MeterName && instrument.Meter.Scope == factory)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Multiple(() =>
        {
            Assert.That(seen["widescan.probes.sent"], Is.EqualTo(1_000));
            Assert.That(seen["widescan.hosts.alive"], Is.EqualTo(7));
            Assert.That(seen["widescan.peers"], Is.EqualTo(2));
            Assert.That(seen["widescan.targets.unreachable"], Is.EqualTo(5));
            Assert.That(seen, Does.ContainKey("widescan.packets.ignored"));
        });
    }

    [Test]
    public void Overlapping_runs_are_each_counted_once_and_a_finished_run_stays_in_the_totals()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var listenerCounters = new DiscoveryCounters();
        var scanCounters = new DiscoveryCounters();
        using var listenerRun = new DiscoveryMetrics(listenerCounters, factory);
        var scanRun = new DiscoveryMetrics(scanCounters, factory);
        listenerCounters.AddPeers(3);
        scanCounters.AddPeers(2);
        scanCounters.AddProbesSent(100);

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        var during = new Dictionary<string, long>(seen);
        scanRun.Dispose();
        scanRun.Dispose(); // twice: folded once
        listener.RecordObservableInstruments();

        Assert.Multiple(() =>
        {
            Assert.That(during[WidescanMetrics.Peers], Is.EqualTo(5));
            Assert.That(during[WidescanMetrics.RunsActive], Is.EqualTo(2));
            Assert.That(seen[WidescanMetrics.Peers], Is.EqualTo(5), "the finished scan's peers stay counted");
            Assert.That(seen[WidescanMetrics.ProbesSent], Is.EqualTo(100));
            Assert.That(seen[WidescanMetrics.RunsActive], Is.EqualTo(1));
        });
    }
}
