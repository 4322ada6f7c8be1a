using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The listener's word that a peer it already reported was heard again (never handed to a host): the
/// pump's <see cref="PeerTable"/> turns it into a throttled <see cref="PeerSeen"/>, or into a new
/// <see cref="PeerDiscovered"/> when the peer had expired or its identity changed. The listener hands on
/// at most one per peer per <see cref="ListenerRun.RepeatGap"/>, so a chatty peer costs an event a
/// second, not one per packet.
/// </summary>
internal sealed record PeerHeard(
    DateTimeOffset Time,
    UInt128 Address,
    NodeId NodeId,
    ushort Port,
    PeerDiscoveryMethod How,
    bool Authenticated,
    ReadOnlyMemory<byte> ApplicationData,
    TimeSpan? RoundTrip) : DiscoveryEvent(Time)
{
    /// <summary>What a host is told when this sighting reports the peer anew.</summary>
    public PeerDiscovered AsDiscovered() => new(Time, Address, NodeId, Port, How, Authenticated, ApplicationData, RoundTrip);
}
