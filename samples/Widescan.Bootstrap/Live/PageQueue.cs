using System.Net.ServerSentEvents;
using System.Threading.Channels;

namespace Widescan.Bootstrap.Live;

/// <summary>
/// What one open page has yet to read, bounded in bytes as well as items: peer rows in a queue of
/// <see cref="LiveFeed.QueuedRows"/> (a slow page loses its oldest, counted), and the latest map
/// snapshot, rendezvous state and peer total in a slot each (a newer one replaces the unread one: a
/// map snapshot is whole, so only the latest matters; a replaced map is counted). Disposing it closes
/// the page in the feed (the response does it, whichever way the stream ends).
/// </summary>
internal sealed class PageQueue : IDisposable
{
    private readonly LiveFeed _feed;
    private readonly BootstrapMetrics? _metrics;
    private readonly Channel<SseItem<string>> _rows;
    // One token, never more: a write sets it, the reader takes it and then drains everything queued.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Lock _lock = new();
    private SseItem<string>? _rendezvous;
    private SseItem<string>? _total;
    private SseItem<string>? _map;
    private long _droppedRows;

    public PageQueue(LiveFeed feed, BootstrapMetrics? metrics)
    {
        _feed = feed;
        _metrics = metrics;
        _rows = Channel.CreateBounded<SseItem<string>>(
            new BoundedChannelOptions(LiveFeed.QueuedRows) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => { Interlocked.Increment(ref _droppedRows); _metrics?.Dropped("peer"); });
    }

    /// <summary>Peer rows this page lost to its queue's bound.</summary>
    public long DroppedRows => Interlocked.Read(ref _droppedRows);

    /// <summary>Map snapshots replaced before this page read them.</summary>
    public long SupersededMaps { get; private set; }

    public void Row(SseItem<string> row)
    {
        _rows.Writer.TryWrite(row); // DropOldest: always room
        _wake.Writer.TryWrite(true);
    }

    public void Rendezvous(SseItem<string> item) => Offer(ref _rendezvous, item, counted: false);

    public void Total(SseItem<string> item) => Offer(ref _total, item, counted: false);

    public void Map(SseItem<string> item) => Offer(ref _map, item, counted: true);

    /// <summary>Everything queued, then whatever comes, until the page goes away.</summary>
    public async IAsyncEnumerable<SseItem<string>> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            while (TryTake(out var item))
                yield return item;
            await _wake.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The next item: the small states first, then the rows, the map last.</summary>
    public bool TryTake(out SseItem<string> item)
    {
        lock (_lock)
        {
            if (Take(ref _rendezvous, out item) || Take(ref _total, out item))
                return true;
        }

        if (_rows.Reader.TryRead(out item))
            return true;
        lock (_lock)
            return Take(ref _map, out item);
    }

    public void Dispose() => _feed.Close(this);

    private void Offer(ref SseItem<string>? slot, SseItem<string> item, bool counted)
    {
        lock (_lock)
        {
            if (slot is not null && counted)
            {
                SupersededMaps++;
                _metrics?.Dropped("map");
            }

            slot = item;
        }

        _wake.Writer.TryWrite(true);
    }

    private static bool Take(ref SseItem<string>? slot, out SseItem<string> item)
    {
        item = slot.GetValueOrDefault();
        var had = slot is not null;
        slot = null;
        return had;
    }
}
