using Widescan.Contracts;

namespace OpenTelemetry.Metrics;

/// <summary>Widescan's meter in OpenTelemetry.</summary>
public static class WidescanMeterProviderBuilderExtensions
{
    /// <summary>
    /// Collects the <see cref="WidescanMetrics.MeterName"/> meter: probes, replies, live hosts, peers,
    /// losses and active runs, each series the sum of every run (it survives runs and counts
    /// overlapping ones once each).
    /// </summary>
    public static MeterProviderBuilder AddWidescanInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(WidescanMetrics.MeterName);
    }
}
