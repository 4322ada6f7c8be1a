using System.Diagnostics.Metrics;

namespace Widescan.Bootstrap;

/// <summary>
/// The sample's own meter (<see cref="MeterName"/>, beside the plugin's <c>Widescan</c> meter on
/// <c>/metrics</c>): what its bounds cost, so that nothing is lost silently.
/// </summary>
internal sealed class BootstrapMetrics
{
    public const string MeterName = "Widescan.Bootstrap";

    private readonly Counter<long> _evicted;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _peersRefused;
    private readonly Counter<long> _streamsRefused;

    public BootstrapMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _evicted = Meter.CreateCounter<long>("widescan.bootstrap.peers.evicted", "{row}", "Peer rows evicted from the full peer book (Bootstrap:MaxPeers), the least recently seen first; tagged authenticated");
        _peersRefused = Meter.CreateCounter<long>("widescan.bootstrap.peers.refused", "{row}", "Unauthenticated newcomers not added: the peer book was full of authenticated rows");
        _dropped = Meter.CreateCounter<long>("widescan.bootstrap.events.dropped", "{event}", "Page events not sent: a peer row dropped from a slow page's queue or a throttled batch (event=peer), a map snapshot superseded before the page read it (event=map)");
        _streamsRefused = Meter.CreateCounter<long>("widescan.bootstrap.events.refused", "{stream}", "/events streams refused with 503: Bootstrap:MaxEventClients were open");
    }

    /// <summary>The meter itself (tests listen to it).</summary>
    public Meter Meter { get; }

    public void Evicted(bool authenticated) => _evicted.Add(1, new KeyValuePair<string, object?>("authenticated", authenticated));

    public void PeerRefused() => _peersRefused.Add(1);

    public void Dropped(string kind) => _dropped.Add(1, new KeyValuePair<string, object?>("event", kind));

    public void StreamRefused() => _streamsRefused.Add(1);
}
