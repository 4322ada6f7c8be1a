using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Widescan.Hosting;

/// <summary>What the runs tell the health check: the listener's state and what was lost.</summary>
internal sealed class WidescanHealthState
{
    private volatile string? _listenerFailure;
    private long _lost;

    /// <summary>Why the listener is not running, or null when it runs (or none is configured).</summary>
    public string? ListenerFailure => _listenerFailure;

    /// <summary>Results the runs lost (their summaries' <c>Lost.Total</c>).</summary>
    public long Lost => Interlocked.Read(ref _lost);

    public void ListenerFailed(string reason) => _listenerFailure = reason;

    public void ListenerRunning() => _listenerFailure = null;

    public void AddLost(ulong count) => Interlocked.Add(ref _lost, (long)Math.Min(count, long.MaxValue));
}

/// <summary>
/// The "widescan" health check: unhealthy with the reason when the listener failed or cannot run
/// (no CAP_NET_RAW), degraded when results were lost (a run's losses, peers the stream could not
/// hold), healthy otherwise. The host stays up either way.
/// </summary>
internal sealed class WidescanHealthCheck(WidescanHealthState state, WidescanPeers peers) : IHealthCheck
{
    /// <summary>The check's registered name.</summary>
    public const string Name = "widescan";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["lost"] = state.Lost,
            ["peersDropped"] = peers.Dropped,
        };
        if (state.ListenerFailure is { } failure)
            return Task.FromResult(HealthCheckResult.Unhealthy("the Widescan listener is not running: " + failure, data: data));
        if (state.Lost > 0 || peers.Dropped > 0)
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                $"Widescan lost results: {state.Lost} in runs (their summaries say where), {peers.Dropped} peers the stream could not hold", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy("Widescan runs as configured", data));
    }
}
