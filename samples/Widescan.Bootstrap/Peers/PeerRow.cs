using Widescan.Contracts;

namespace Widescan.Bootstrap.Peers;

/// <summary>A peer as the page and /api/peers show it (JSON, camelCase).</summary>
/// <param name="Address">Its IPv6 address.</param>
/// <param name="NodeId">Its node id, 32 hex digits.</param>
/// <param name="Port">The service port it announced.</param>
/// <param name="Authenticated">Whether its latest message carried a valid tag of the network key.</param>
/// <param name="How">How it was last heard: answered-probe, probed-us or announced.</param>
/// <param name="RoundTripMs">The round trip when it answered a probe of ours, else null.</param>
/// <param name="FirstSeen">When it was first seen.</param>
/// <param name="LastSeen">When it was last heard (its latest <see cref="PeerSeen"/>).</param>
/// <param name="Sightings">How many times the run that last reported it heard it.</param>
/// <param name="ExpiredAt">When it expired (unheard for PeerExpiry), or null while it is live.</param>
/// <param name="Run">The run that last reported it (<c>listener-1</c>, <c>scheduled-2</c>).</param>
internal sealed record PeerRow(
    string Address,
    string NodeId,
    int Port,
    bool Authenticated,
    string How,
    double? RoundTripMs,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    long Sightings,
    DateTimeOffset? ExpiredAt,
    string Run)
{
    public static PeerRow From(string run, PeerDiscovered peer) => new(
        Ipv6Address.Format(peer.Address),
        peer.NodeId.ToString(),
        peer.Port,
        peer.Authenticated,
        Method(peer.How),
        peer.RoundTrip?.TotalMilliseconds,
        peer.Time,
        peer.Time,
        1,
        null,
        run);

    public static string Method(PeerDiscoveryMethod how) => how switch
    {
        PeerDiscoveryMethod.AnsweredProbe => "answered-probe",
        PeerDiscoveryMethod.ProbedUs => "probed-us",
        _ => "announced",
    };
}
