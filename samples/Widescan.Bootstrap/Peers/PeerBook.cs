using Widescan.Contracts;

namespace Widescan.Bootstrap.Peers;

/// <summary>
/// Every peer any run reported (the listener's and the scans'), one row per node id and address: a
/// <see cref="PeerDiscovered"/> adds it, a <see cref="PeerSeen"/> moves its last sighting (the plugin
/// throttles those to one per peer per <see cref="WidescanOptions.PeerSeenInterval"/>), a
/// <see cref="PeerExpired"/> (unheard for <see cref="WidescanOptions.PeerExpiry"/>) marks it expired:
/// the row stays, greyed, so an operator sees who left and when; a later discovery makes it live again.
/// </summary>
internal sealed class PeerBook
{
    // One lock: the listener and a scan update rows from their own event loops.
    private readonly Lock _lock = new();
    private readonly Dictionary<(NodeId, UInt128), PeerRow> _rows = [];

    /// <summary>Called with each changed row, in the order of the changes (under the lock, on the run's event loop: quick).</summary>
    public event Action<PeerRow>? Changed;

    public IReadOnlyList<PeerRow> Rows()
    {
        lock (_lock)
            return [.. _rows.Values.OrderBy(r => r.FirstSeen)];
    }

    public void Discovered(string run, PeerDiscovered peer)
    {
        // Each run has its own peer table: a peer the listener knows may be found by a scan too. A live
        // row keeps its first sighting; an expired one is a new peer (the plugin's rule after expiry).
        var row = PeerRow.From(run, peer);
        lock (_lock)
        {
            if (_rows.TryGetValue((peer.NodeId, peer.Address), out var old) && old.ExpiredAt is null)
                row = row with { FirstSeen = old.FirstSeen };
            _rows[(peer.NodeId, peer.Address)] = row;
            Changed?.Invoke(row);
        }
    }

    public void Seen(string run, PeerSeen seen) => Update((seen.NodeId, seen.Address), old => seen.LastSeen < old.LastSeen ? null : old with
        {
            Port = seen.Port,
            Authenticated = seen.Authenticated,
            How = PeerRow.Method(seen.How),
            LastSeen = seen.LastSeen,
            Sightings = (long)seen.Sightings,
            ExpiredAt = null,
            Run = run,
        });

    // Heard since by another run: still live.
    public void Expired(PeerExpired expired) => Update((expired.NodeId, expired.Address),
        old => old.LastSeen > expired.LastSeen ? null : old with { LastSeen = expired.LastSeen, ExpiredAt = expired.Time });

    // A row changed by what an event says of a peer already in the book; null: the event is older news.
    private void Update((NodeId, UInt128) key, Func<PeerRow, PeerRow?> change)
    {
        lock (_lock)
        {
            if (!_rows.TryGetValue(key, out var old) || change(old) is not { } row)
                return;
            _rows[key] = row;
            Changed?.Invoke(row);
        }
    }
}

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
