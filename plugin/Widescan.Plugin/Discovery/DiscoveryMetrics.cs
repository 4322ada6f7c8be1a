using System.Diagnostics.Metrics;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// A run's place on the "Widescan" meter (<see cref="WidescanMeter"/>): the run's interlocked counters
/// are read when the instruments are collected, so the hot paths pay nothing for them; disposing it at
/// the end of the run folds its counters into the meter's totals, so the series go on.
/// </summary>
internal sealed class DiscoveryMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = WidescanMetrics.MeterName;

    private readonly IDisposable _registration;

    /// <summary>Counts the run on the factory's meter, or on the process-wide one when null.</summary>
    public DiscoveryMetrics(DiscoveryCounters counters, IMeterFactory? factory = null) =>
        _registration = WidescanMeter.For(factory).Track(counters);

    public void Dispose() => _registration.Dispose();
}
