using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Widescan.Bootstrap.Map;
using Widescan.Bootstrap.Peers;
using Widescan.Bootstrap.Rendezvous;

namespace Widescan.Bootstrap.Live;

/// <summary>
/// The page's server-sent events: each open page gets the peer table, the rendezvous claims and the
/// current map at once, then every changed peer row (<c>peer</c>), the claims when they change
/// (<c>rendezvous</c>) and a map snapshot when the map changed (<c>map</c>, at most every
/// <see cref="MapPublisher.Interval"/>). A page that reads too slowly loses its oldest
/// queued items, never the server's time: its next map snapshot is whole, and a reload gets every peer.
/// </summary>
internal sealed class LiveFeed
{
    private const int QueuedItems = 256;
    private readonly Lock _lock = new();
    private readonly List<Channel<SseItem<string>>> _pages = [];
    private readonly PeerBook _peers;
    private readonly MapBoard _board;
    private readonly RendezvousClaims _rendezvous;

    public LiveFeed(PeerBook peers, MapBoard board, RendezvousClaims rendezvous)
    {
        _peers = peers;
        _board = board;
        _rendezvous = rendezvous;
        peers.Changed += row => Publish(Peer(row));
        rendezvous.Changed += () => Publish(Rendezvous(rendezvous.State()));
    }

    /// <summary>One page's stream, until it goes away or the server stops.</summary>
    public async IAsyncEnumerable<SseItem<string>> StreamAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var page = Channel.CreateBounded<SseItem<string>>(new BoundedChannelOptions(QueuedItems)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_lock)
            _pages.Add(page);
        try
        {
            foreach (var row in _peers.Rows())
                yield return Peer(row);
            yield return Rendezvous(_rendezvous.State());
            if (_board.Current is { } map)
                yield return Map(map.Snapshot());
            await foreach (var item in page.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return item;
        }
        finally
        {
            lock (_lock)
                _pages.Remove(page);
        }
    }

    public void Publish(SseItem<string> item)
    {
        lock (_lock)
        {
            foreach (var page in _pages)
                page.Writer.TryWrite(item); // DropOldest: always room
        }
    }

    public static SseItem<string> Peer(PeerRow row) => new(JsonSerializer.Serialize(row, BootstrapJson.Default.PeerRow), "peer");

    public static SseItem<string> Rendezvous(RendezvousState state) => new(JsonSerializer.Serialize(state, BootstrapJson.Default.RendezvousState), "rendezvous");

    public static SseItem<string> Map(MapSnapshot map) => new(JsonSerializer.Serialize(map, BootstrapJson.Default.MapSnapshot), "map");
}
