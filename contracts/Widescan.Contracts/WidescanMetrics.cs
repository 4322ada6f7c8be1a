namespace Widescan.Contracts;

/// <summary>
/// The names of the plugin's System.Diagnostics.Metrics instruments, for hosts that collect them
/// (dotnet-counters, OpenTelemetry's <c>AddMeter(WidescanMetrics.MeterName)</c>). The instruments are
/// created once per meter, not per run: every series sums all runs of the process (or of the
/// <see cref="WidescanOptions.MeterFactory"/>), finished ones included, so counters stay monotonic.
/// </summary>
public static class WidescanMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Widescan";

    /// <summary>Echo requests sent (counter).</summary>
    public const string ProbesSent = "widescan.probes.sent";

    /// <summary>Distinct live hosts reported (counter, summed over runs).</summary>
    public const string HostsAlive = "widescan.hosts.alive";

    /// <summary>Distinct peers reported (counter, summed over runs).</summary>
    public const string Peers = "widescan.peers";

    /// <summary>Results heard but lost, by where (counter).</summary>
    public const string ResultsLost = "widescan.results.lost";

    /// <summary>Runs in progress (up-down counter).</summary>
    public const string RunsActive = "widescan.runs.active";
}
