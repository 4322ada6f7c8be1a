using Widescan.Bootstrap.Map;
using Widescan.Bootstrap.Peers;
using Widescan.Contracts;
using Widescan.Hosting;

namespace Widescan.Bootstrap.Live;

/// <summary>
/// Widescan.Hosting's event handler for the page: every event of every run (the listener's and the
/// scheduled scans') comes here with the run's name, whichever module runs (the plugin referenced
/// directly, or a plugin folder's). Peers go to the peer book, a scan's cells and progress to its map.
/// Called on the run's event loop: a dictionary and a few counters, nothing that waits.
/// </summary>
internal sealed class PageEvents(PeerBook peers, MapBoard board) : IWidescanEventHandler
{
    public ValueTask OnEventAsync(string run, DiscoveryEvent discoveryEvent, CancellationToken cancellationToken)
    {
        switch (discoveryEvent)
        {
            case PeerDiscovered peer: peers.Discovered(run, peer); break;
            case PeerSeen seen: peers.Seen(run, seen); break;
            case PeerExpired expired: peers.Expired(expired); break;
            case CellProgress or ProgressReported or ScanFinished: board.Seen(run, discoveryEvent); break;
        }

        return ValueTask.CompletedTask;
    }
}
