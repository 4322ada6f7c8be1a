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
/// called for each peer of every run, in order, on the run's event loop; a peer table with first and
/// last seen also takes <see cref="OnPeerSeenAsync"/> and <see cref="OnPeerExpiredAsync"/> (no-ops by default). A slow handler slows that
/// run's reading of events, which the plugin counts as results lost to the consumer
/// (<see cref="DiscoveryLosses.Consumer"/>): hand work off rather than wait in it. An exception is
/// logged and the run goes on.
/// </summary>
public interface IWidescanPeerHandler
{
    /// <summary>Takes one peer: new, back after it expired, or a new identity at its address.</summary>
    ValueTask OnPeerAsync(PeerDiscovered peer, CancellationToken cancellationToken);

    /// <summary>A peer reported before was heard again (at most once per <see cref="WidescanOptions.PeerSeenInterval"/>). Does nothing by default.</summary>
    ValueTask OnPeerSeenAsync(PeerSeen seen, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>A peer went unheard for <see cref="WidescanOptions.PeerExpiry"/>: drop it. Does nothing by default.</summary>
    ValueTask OnPeerExpiredAsync(PeerExpired expired, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
