using System.Diagnostics.Metrics;
using Widescan.Contracts;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Discovery;

/// <summary>The run's counters on the "Widescan" meter, read by a MeterListener as dotnet-counters would.</summary>
public sealed class MetricsTests
{
    [Test]
    public void The_Widescan_meter_reports_the_run_counters()
    {
        var counters = new DiscoveryCounters();
        using var metrics = new DiscoveryMetrics(counters);
        counters.AddProbesSent(1_000);
        counters.AddAlive(7);
        counters.AddPeers(2);
        counters.AddUnreachable(5);

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DiscoveryMetrics.MeterName)
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
}
