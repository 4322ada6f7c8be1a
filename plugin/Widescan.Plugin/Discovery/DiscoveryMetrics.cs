using System.Diagnostics.Metrics;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The run's counters on a System.Diagnostics.Metrics meter named "Widescan" (dotnet-counters,
/// OpenTelemetry). Observable instruments read the interlocked counters when collected, so the hot
/// paths pay nothing for them.
/// </summary>
internal sealed class DiscoveryMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Widescan";

    private readonly Meter _meter = new(MeterName);

    public DiscoveryMetrics(DiscoveryCounters counters)
    {
        _meter.CreateObservableCounter("widescan.probes.sent", () => counters.ProbesSent, "{probe}", "Echo requests sent");
        _meter.CreateObservableCounter("widescan.probes.failed", () => counters.SendFailures, "{probe}", "Probes the kernel refused or that ran out of retries");
        _meter.CreateObservableCounter("widescan.packets.received", () => counters.PacketsReceived, "{packet}", "Echo packets and ICMPv6 errors classified");
        _meter.CreateObservableCounter("widescan.packets.ignored", () => counters.Ignored, "{packet}", "Packets ignored (not ours, wrong tag, bad MAC, replay)");
        _meter.CreateObservableCounter("widescan.hosts.alive", () => counters.Alive, "{host}", "Distinct live hosts");
        _meter.CreateObservableCounter("widescan.targets.unreachable", () => counters.Unreachable, "{target}", "Distinct targets that produced an ICMPv6 error quoting our probe (a lower bound: routers rate-limit errors)");
        _meter.CreateObservableCounter("widescan.peers", () => counters.Peers, "{peer}", "Distinct Widescan peers");
        _meter.CreateObservableCounter("widescan.probes.received", () => counters.ProbesReceived, "{probe}", "Probes of other scanners");
        _meter.CreateObservableCounter("widescan.announces.sent", () => counters.AnnouncesSent, "{announce}", "Announces sent in answer to probes");
    }

    public void Dispose() => _meter.Dispose();
}
