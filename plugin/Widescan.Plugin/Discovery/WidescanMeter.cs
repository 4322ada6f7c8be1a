using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The <see cref="WidescanMetrics.MeterName"/> meter and its instruments, created once per meter (one
/// process-wide meter, or one per host IMeterFactory) and never per run: a collector (OpenTelemetry,
/// dotnet-counters) keeps the same series across runs. Each observable counter reads the counters of
/// every run in progress plus the totals of the runs that ended, so it only grows, and runs at once
/// (a long-lived listener beside periodic scans) are each counted once.
/// </summary>
internal sealed class WidescanMeter
{
    private static readonly Lazy<WidescanMeter> s_process = new(() => new WidescanMeter(new Meter(WidescanMetrics.MeterName)));

    // Keyed by the meter a factory returns: the default factory hands one Meter per name, so every run
    // of a host finds the same instruments.
    private static readonly ConditionalWeakTable<Meter, WidescanMeter> s_byMeter = new();

    private readonly Lock _lock = new();
    private readonly List<DiscoveryCounters> _running = [];
    private readonly long[] _finished = new long[Series.Length];
    private readonly long[] _finishedLost = new long[3];

    private WidescanMeter(Meter meter)
    {
        Meter = meter;
        for (var i = 0; i < Series.Length; i++)
        {
            var index = i;
            meter.CreateObservableCounter(Series[i].Name, () => Sum(index), Series[i].Unit, Series[i].Description);
        }

        meter.CreateObservableCounter(WidescanMetrics.ResultsLost, Lost, "{result}", "Answers heard but not reported, by where they were lost (capture, kernel, consumer)");
        meter.CreateObservableUpDownCounter(WidescanMetrics.RunsActive, Active, "{run}", "Discovery runs in progress (listeners and scans)");
    }

    /// <summary>The meter the instruments are on.</summary>
    public Meter Meter { get; }

    /// <summary>The instruments of the factory's meter (created on its first use), or the process-wide ones when null.</summary>
    public static WidescanMeter For(IMeterFactory? factory)
    {
        if (factory is null)
            return s_process.Value;
        var meter = factory.Create(new MeterOptions(WidescanMetrics.MeterName));
        return s_byMeter.GetValue(meter, m => new WidescanMeter(m));
    }

    /// <summary>Counts a run from now on; disposing the result folds its counters into the totals.</summary>
    public IDisposable Track(DiscoveryCounters counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        lock (_lock)
            _running.Add(counters);
        return new Registration(this, counters);
    }

    private void Finish(DiscoveryCounters counters)
    {
        lock (_lock)
        {
            if (!_running.Remove(counters))
                return;
            for (var i = 0; i < Series.Length; i++)
                _finished[i] += Series[i].Read(counters);
            _finishedLost[0] += counters.LostInCapture;
            _finishedLost[1] += counters.LostInKernel;
            _finishedLost[2] += counters.LostToConsumer;
        }
    }

    // Collection runs these, never a hot path: the lock costs nothing per packet.
    private long Sum(int index)
    {
        lock (_lock)
        {
            var total = _finished[index];
            foreach (var run in _running)
                total += Series[index].Read(run);
            return total;
        }
    }

    private IEnumerable<Measurement<long>> Lost()
    {
        long capture, kernel, consumer;
        lock (_lock)
        {
            (capture, kernel, consumer) = (_finishedLost[0], _finishedLost[1], _finishedLost[2]);
            foreach (var run in _running)
            {
                capture += run.LostInCapture;
                kernel += run.LostInKernel;
                consumer += run.LostToConsumer;
            }
        }

        return
        [
            new(capture, new KeyValuePair<string, object?>("where", "capture")),
            new(kernel, new KeyValuePair<string, object?>("where", "kernel")),
            new(consumer, new KeyValuePair<string, object?>("where", "consumer")),
        ];
    }

    private int Active()
    {
        lock (_lock)
            return _running.Count;
    }

    private static readonly (string Name, string Unit, string Description, Func<DiscoveryCounters, long> Read)[] Series =
    [
        (WidescanMetrics.ProbesSent, "{probe}", "Echo requests sent", c => c.ProbesSent),
        ("widescan.probes.failed", "{probe}", "Probes the kernel refused or that ran out of retries", c => c.SendFailures),
        ("widescan.packets.received", "{packet}", "Echo packets and ICMPv6 errors classified", c => c.PacketsReceived),
        ("widescan.packets.ignored", "{packet}", "Packets ignored (not ours, wrong tag, bad MAC, replay)", c => c.Ignored),
        (WidescanMetrics.HostsAlive, "{host}", "Distinct live hosts, summed over runs", c => c.Alive),
        ("widescan.targets.unreachable", "{target}", "Distinct targets that produced an ICMPv6 error quoting our probe (a lower bound: routers rate-limit errors)", c => c.Unreachable),
        (WidescanMetrics.Peers, "{peer}", "Distinct Widescan peers, summed over runs", c => c.Peers),
        ("widescan.probes.received", "{probe}", "Probes of other scanners", c => c.ProbesReceived),
        ("widescan.announces.sent", "{announce}", "Announces sent in answer to probes", c => c.AnnouncesSent),
        ("widescan.announces.refused", "{probe}", "Probes not answered: the responder's rate, per-source and size limits", c => c.AnnouncesRefused),
        ("widescan.unsolicited.refused", "{message}", "Unauthenticated, unsolicited announces and probes from new sources not reported (over the listener's bounds)", c => c.UnsolicitedRefused),
    ];

    private sealed class Registration(WidescanMeter meter, DiscoveryCounters counters) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                meter.Finish(counters);
        }
    }
}
