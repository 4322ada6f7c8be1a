using Widescan.Bootstrap.Map;
using Widescan.Bootstrap.Peers;
using Widescan.Contracts;

namespace Widescan.Bootstrap;

/// <summary>Where each run's events go for the page: peers to the peer book, a scan's answers and progress to its map.</summary>
internal sealed class RunObserver(PeerBook peers, MapBoard board)
{
    private int _runs;

    /// <summary>A run starts: a scan of prefixes gets a map, which becomes the board's current one.</summary>
    public ObservedRun Starting(WidescanOptions options)
    {
        var name = $"{(options.ListenOnly ? "listener" : "scan")}-{Interlocked.Increment(ref _runs)}";
        ScanMap? map = null;
        if (!options.ListenOnly && options.Targets is { } targets && MapGeometry.For(targets) is { } geometry)
        {
            map = new ScanMap(name, geometry, targets.MergedIncludes().Count - 1);
            board.Show(map);
        }

        return new ObservedRun(name, map);
    }

    public void Seen(ObservedRun run, DiscoveryEvent e)
    {
        switch (e)
        {
            case PeerDiscovered peer: peers.Seen(run.Name, peer); break;
            case ProbeReceived probe: peers.Probed(probe); break;
        }

        run.Map?.Seen(e);
    }
}

/// <summary>A run as the observer knows it: its name on the page, and its map when it is a scan.</summary>
internal sealed record ObservedRun(string Name, ScanMap? Map);
