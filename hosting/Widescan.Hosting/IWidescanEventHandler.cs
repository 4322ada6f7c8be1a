using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// A host's callback for every event of every run (the listener's, the scheduled and on-demand
/// scans'), registered in DI (<see cref="WidescanBuilder.AddEventHandler{THandler}"/>): what a dashboard
/// watches, <see cref="ProgressReported"/> and <see cref="CellProgress"/> (with
/// <see cref="WidescanOptions.ProgressCells"/>) of the runs nobody else reads, beside the results and
/// <see cref="PeerSeen"/> / <see cref="PeerExpired"/>. Called in order on the run's event loop, after
/// the peer handlers: a slow handler slows that run's reading of events (hand work off rather than wait
/// in it). An exception is logged and the run goes on.
/// </summary>
public interface IWidescanEventHandler
{
    /// <summary>Takes one event of the run named <paramref name="run"/> ("listener-1", "scan-2", "scheduled-3": its <c>WidescanRun</c> in the logs).</summary>
    ValueTask OnEventAsync(string run, DiscoveryEvent discoveryEvent, CancellationToken cancellationToken);
}
