using System.Collections.Concurrent;
using Widescan.Contracts;

namespace Widescan.Bootstrap.Peers;

/// <summary>
/// Every peer any run reported (the listener's and the scans'), one row per node id and address, with
/// when it was first and last seen. A scan reports each responder once and the listener each scanner
/// once per run, so a probe of a known scanner (<see cref="ProbeReceived"/>) moves its last sighting too.
/// </summary>
internal sealed class PeerBook
{
    private readonly ConcurrentDictionary<(NodeId, UInt128), PeerRow> _rows = new();

    /// <summary>Called with each changed row (on the run's event loop: quick).</summary>
    public event Action<PeerRow>? Changed;

    public int Count => _rows.Count;

    public IReadOnlyList<PeerRow> Rows() => [.. _rows.Values.OrderBy(r => r.FirstSeen)];

    public void Seen(string run, PeerDiscovered peer)
    {
        var row = _rows.AddOrUpdate((peer.NodeId, peer.Address),
            _ => PeerRow.From(run, peer),
            (_, old) => PeerRow.From(run, peer) with { FirstSeen = old.FirstSeen, Sightings = old.Sightings + 1 });
        Changed?.Invoke(row);
    }

    public void Probed(ProbeReceived probe)
    {
        if (!_rows.TryGetValue((probe.NodeId, probe.Address), out var old) || probe.Time <= old.LastSeen)
            return;
        var row = old with { LastSeen = probe.Time, Sightings = old.Sightings + 1 };
        _rows[(probe.NodeId, probe.Address)] = row;
        Changed?.Invoke(row);
    }
}

/// <summary>A peer as the page and /api/peers show it (JSON, camelCase).</summary>
/// <param name="Address">Its IPv6 address.</param>
/// <param name="NodeId">Its node id, 32 hex digits.</param>
/// <param name="Port">The service port it announced.</param>
/// <param name="Authenticated">Whether its announce carried a valid tag of the network key.</param>
/// <param name="How">answered-probe, probed-us or announced.</param>
/// <param name="RoundTripMs">The round trip when it answered a probe of ours, else null.</param>
/// <param name="FirstSeen">When it was first seen.</param>
/// <param name="LastSeen">When it was last seen.</param>
/// <param name="Sightings">How many reports and probes the row gathered.</param>
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
    string Run)
{
    public static PeerRow From(string run, PeerDiscovered peer) => new(
        Ipv6Address.Format(peer.Address),
        peer.NodeId.ToString(),
        peer.Port,
        peer.Authenticated,
        peer.How switch
        {
            PeerDiscoveryMethod.AnsweredProbe => "answered-probe",
            PeerDiscoveryMethod.ProbedUs => "probed-us",
            _ => "announced",
        },
        peer.RoundTrip?.TotalMilliseconds,
        peer.Time,
        peer.Time,
        1,
        run);
}
