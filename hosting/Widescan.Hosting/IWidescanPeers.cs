using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// Every peer the host's runs report (the listener's, the scheduled and on-demand scans'), as one
/// async stream for one reader (a peer table). It holds up to <see cref="WidescanHostOptions.PeerBufferCapacity"/>
/// peers for a reader that is slow or has not started: past that a peer is not queued but counted in
/// <see cref="Dropped"/>, logged, and the health check turns degraded; the runs never wait for it.
/// </summary>
public interface IWidescanPeers
{
    /// <summary>The peers as they come, from the first one the buffer still holds, until the token is cancelled or the host stops.</summary>
    IAsyncEnumerable<PeerDiscovered> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Peers not queued because the buffer was full (the reader fell behind, or none reads).</summary>
    long Dropped { get; }
}

/// <summary>
/// A host's callback for peers, registered in DI (<see cref="WidescanBuilder.AddPeerHandler{THandler}"/>):
/// called for each peer of every run, in order, on the run's event loop. A slow handler slows that
/// run's reading of events, which the plugin counts as results lost to the consumer
/// (<see cref="DiscoveryLosses.Consumer"/>): hand work off rather than wait in it. An exception is
/// logged and the run goes on.
/// </summary>
public interface IWidescanPeerHandler
{
    /// <summary>Takes one peer.</summary>
    ValueTask OnPeerAsync(PeerDiscovered peer, CancellationToken cancellationToken);
}
