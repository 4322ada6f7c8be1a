using System.Net.ServerSentEvents;
using System.Text.Json;
using Widescan.Bootstrap.Map;
using Widescan.Bootstrap.Peers;
using Widescan.Bootstrap.Rendezvous;

namespace Widescan.Bootstrap.Live;

/// <summary>
/// The page's server-sent events: each open page gets the <see cref="PageRows"/> most recently seen
/// peer rows (<c>peer</c>) with the book's total (<c>peers</c>), the rendezvous claims and the latest
/// map at once, then the changed peer rows at most once a row per <see cref="PeerInterval"/>
/// (<see cref="FlushPeers"/>, each serialised once for every page), the claims when they change
/// (<c>rendezvous</c>) and a map snapshot when the map changed (<c>map</c>, at most every
/// <c>MapPublisher.Interval</c>, 500 ms). What a page has not read is bounded (<see cref="PageQueue"/>);
/// at most <see cref="BootstrapLimits.MaxEventClients"/> pages are open at once.
/// </summary>
internal sealed class LiveFeed
{
    /// <summary>Rows a new page gets, and rows a flush sends: what the page keeps (app.js's MAX_ROWS).</summary>
    public const int PageRows = 500;

    /// <summary>Peer rows queued for one page: a whole flush and a little.</summary>
    public const int QueuedRows = 512;

    /// <summary>How often changed peer rows go out: a row changes on the page at most this often.</summary>
    public static readonly TimeSpan PeerInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly List<PageQueue> _pages = [];
    // Rows changed since the last flush, the latest of each; at most PageRows (more are counted, dropped).
    private Dictionary<(string NodeId, string Address), PeerRow> _pending = [];
    private readonly PeerBook _peers;
    private readonly MapBoard _board;
    private readonly RendezvousClaims _rendezvous;
    private readonly BootstrapMetrics? _metrics;
    private readonly int _maxPages;
    private SseItem<string>? _lastMap;
    private int _lastTotal = -1;

    public LiveFeed(PeerBook peers, MapBoard board, RendezvousClaims rendezvous, BootstrapLimits? limits = null, BootstrapMetrics? metrics = null)
    {
        _peers = peers;
        _board = board;
        _rendezvous = rendezvous;
        _metrics = metrics;
        _maxPages = (limits ?? new BootstrapLimits()).MaxEventClients;
        peers.Changed += Changed;
        rendezvous.Changed += () => ToPages(Rendezvous(rendezvous.State()), (page, item) => page.Rendezvous(item));
    }

    /// <summary>Open pages now.</summary>
    public int Pages
    {
        get { lock (_lock) return _pages.Count; }
    }

    /// <summary>A new page's queue, or null (counted) when <see cref="BootstrapLimits.MaxEventClients"/> are open.</summary>
    public PageQueue? TryOpen()
    {
        lock (_lock)
        {
            if (_pages.Count >= _maxPages)
            {
                _metrics?.StreamRefused();
                return null;
            }

            var page = new PageQueue(this, _metrics);
            _pages.Add(page);
            return page;
        }
    }

    public void Close(PageQueue page)
    {
        lock (_lock)
            _pages.Remove(page);
    }

    /// <summary>One page's stream, until it goes away or the server stops; the page closes when it ends.</summary>
    public async IAsyncEnumerable<SseItem<string>> StreamAsync(PageQueue page, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            var (rows, total) = _peers.Recent(PageRows);
            foreach (var row in rows)
                yield return Peer(row);
            yield return Total(total);
            yield return Rendezvous(_rendezvous.State());
            if (MapNow() is { } map)
                yield return map;
            await foreach (var item in page.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return item;
        }
        finally
        {
            page.Dispose();
        }
    }

    /// <summary>Sends the rows changed since the last flush (each serialised once) and the total when it moved.</summary>
    public void FlushPeers()
    {
        // The book's lock is taken before the feed's (Changed runs under it): never the other way round.
        var total = _peers.Count;
        Dictionary<(string, string), PeerRow> changed;
        lock (_lock)
        {
            if (_pending.Count == 0 && _lastTotal == total)
                return;
            (changed, _pending) = (_pending, new Dictionary<(string, string), PeerRow>(Math.Min(_pending.Count, PageRows)));
        }

        foreach (var row in changed.Values)
            ToPages(Peer(row), (page, item) => page.Row(item));
        if (Interlocked.Exchange(ref _lastTotal, total) != total)
            ToPages(Total(total), (page, item) => page.Total(item));
    }

    /// <summary>Sends a map snapshot, kept for the pages that open next.</summary>
    public void PublishMap(MapSnapshot map)
    {
        var item = Map(map);
        lock (_lock)
            _lastMap = item;
        ToPages(item, (page, i) => page.Map(i));
    }

    public static SseItem<string> Peer(PeerRow row) => new(JsonSerializer.Serialize(row, BootstrapJson.Default.PeerRow), "peer");

    public static SseItem<string> Total(int total) => new(JsonSerializer.Serialize(new PeerTotal(total), BootstrapJson.Default.PeerTotal), "peers");

    public static SseItem<string> Rendezvous(RendezvousState state) => new(JsonSerializer.Serialize(state, BootstrapJson.Default.RendezvousState), "rendezvous");

    public static SseItem<string> Map(MapSnapshot map) => new(JsonSerializer.Serialize(map, BootstrapJson.Default.MapSnapshot), "map");

    // Called by the book under its lock, on a run's event loop: a dictionary write, nothing serialised.
    private void Changed(PeerRow row)
    {
        lock (_lock)
        {
            if (_pending.Count >= PageRows && !_pending.ContainsKey((row.NodeId, row.Address)))
            {
                _metrics?.Dropped("peer"); // more changed rows in one interval than a page keeps
                return;
            }

            _pending[(row.NodeId, row.Address)] = row;
        }
    }

    // The map a new page gets: the one last sent, else (before the publisher's first tick) the board's.
    private SseItem<string>? MapNow()
    {
        lock (_lock)
        {
            if (_lastMap is { } sent)
                return sent;
        }

        return _board.Current is { } map ? Map(map.Snapshot()) : null;
    }

    private void ToPages(SseItem<string> item, Action<PageQueue, SseItem<string>> send)
    {
        lock (_lock)
        {
            foreach (var page in _pages)
                send(page, item);
        }
    }
}

/// <summary>The peer book's total (the <c>peers</c> event): the page shows at most <see cref="LiveFeed.PageRows"/> of them.</summary>
/// <param name="Total">The rows in the book.</param>
internal sealed record PeerTotal(int Total);
