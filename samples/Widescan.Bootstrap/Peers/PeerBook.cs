using System.Collections.Immutable;
using Widescan.Contracts;

namespace Widescan.Bootstrap.Peers;

/// <summary>
/// Every peer any run reported (the listener's and the scans'), one row per node id and address: a
/// <see cref="PeerDiscovered"/> adds it, a <see cref="PeerSeen"/> moves its last sighting (the plugin
/// throttles those to one per peer per <see cref="WidescanOptions.PeerSeenInterval"/>), a
/// <see cref="PeerExpired"/> (unheard for <see cref="WidescanOptions.PeerExpiry"/>) marks it expired:
/// the row stays, greyed, so an operator sees who left and when; a later discovery makes it live again.
/// </summary>
/// <remarks>
/// Anyone can announce with a made-up node id, so the book holds at most
/// <see cref="BootstrapLimits.MaxPeers"/> rows: a new row past it evicts the least recently seen
/// unauthenticated row; an authenticated row goes only to make room for another authenticated one
/// (the least recently seen of them), and a newcomer without a valid tag is refused when every row has
/// one. Both are counted (<see cref="BootstrapMetrics"/>) and the first is logged. Every operation is
/// O(log n) or O(its page): the rows are indexed by entry order (paging) and by recency (eviction).
/// </remarks>
internal sealed partial class PeerBook
{
    // One lock: the listener and a scan update rows from their own event loops.
    private readonly Lock _lock = new();
    private readonly Dictionary<(NodeId, UInt128), Entry> _rows = [];
    // Entry order, for paging: an AVL tree with positions (IndexOf, this[i]) in O(log n).
    private readonly ImmutableSortedSet<Entry>.Builder _byId = ImmutableSortedSet.CreateBuilder(Comparer<Entry>.Create((a, b) => a.Id.CompareTo(b.Id)));
    // Least recently seen first, one list per kind: eviction takes the head of the unauthenticated one.
    private readonly LinkedList<Entry> _unauthenticated = new();
    private readonly LinkedList<Entry> _authenticated = new();
    private readonly int _maxPeers;
    private readonly BootstrapMetrics? _metrics;
    private readonly Microsoft.Extensions.Logging.ILogger? _log;
    private long _nextId;
    private long _touches;
    private long _evicted;
    private long _refused;
    private bool _saidFull;

    public PeerBook(BootstrapLimits? limits = null, BootstrapMetrics? metrics = null, Microsoft.Extensions.Logging.ILogger? log = null)
    {
        _maxPeers = (limits ?? new BootstrapLimits()).MaxPeers;
        _metrics = metrics;
        _log = log;
    }

    /// <summary>Called with each changed row, in the order of the changes (under the lock, on the run's event loop: quick).</summary>
    public event Action<PeerRow>? Changed;

    /// <summary>The rows held now (at most <see cref="BootstrapLimits.MaxPeers"/>).</summary>
    public int Count
    {
        get { lock (_lock) return _rows.Count; }
    }

    /// <summary>Rows evicted to make room, and newcomers refused (unauthenticated, the book full of authenticated rows), since start.</summary>
    public (long Evicted, long Refused) Turnover
    {
        get { lock (_lock) return (_evicted, _refused); }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> rows in the order they entered the book, from the first after the
    /// row numbered <paramref name="after"/> (null: from the start), with the total and the cursor of the next page.
    /// </summary>
    public PeerPage Page(long? after, int limit)
    {
        lock (_lock)
        {
            var start = 0;
            if (after is { } id)
            {
                var at = _byId.IndexOf(new Entry { Id = id });
                start = at >= 0 ? at + 1 : ~at; // an evicted cursor: the next row that entered after it
            }

            var count = Math.Max(0, Math.Min(limit, _byId.Count - start));
            var rows = new PeerRow[count];
            long? last = null;
            for (var i = 0; i < count; i++)
            {
                var entry = _byId[start + i];
                rows[i] = entry.Row;
                last = entry.Id;
            }

            return new PeerPage(_rows.Count, rows, start + count < _byId.Count ? last : null);
        }
    }

    /// <summary>The <paramref name="limit"/> most recently seen rows, the least recent first, and the total.</summary>
    public (IReadOnlyList<PeerRow> Rows, int Total) Recent(int limit)
    {
        lock (_lock)
        {
            var rows = new PeerRow[Math.Min(limit, _rows.Count)];
            // Merge the two recency lists from their tails: O(limit), nothing sorted.
            LinkedListNode<Entry>? a = _unauthenticated.Last, b = _authenticated.Last;
            for (var i = rows.Length - 1; i >= 0; i--)
            {
                if (b is null || (a is not null && a.Value.Touched > b.Value.Touched))
                    (rows[i], a) = (a!.Value.Row, a.Previous);
                else
                    (rows[i], b) = (b.Value.Row, b.Previous);
            }

            return (rows, _rows.Count);
        }
    }

    public void Discovered(string run, PeerDiscovered peer)
    {
        // Each run has its own peer table: a peer the listener knows may be found by a scan too. A live
        // row keeps its first sighting; an expired one is a new peer (the plugin's rule after expiry).
        var row = PeerRow.From(run, peer);
        var key = (peer.NodeId, peer.Address);
        lock (_lock)
        {
            if (_rows.TryGetValue(key, out var entry))
            {
                if (entry.Row.ExpiredAt is null)
                    row = row with { FirstSeen = entry.Row.FirstSeen };
                Store(entry, row, seen: true);
                return;
            }

            if (_rows.Count >= _maxPeers && !MakeRoom(row.Authenticated))
                return;
            entry = new Entry { Id = _nextId++, Key = key, Row = row };
            _rows.Add(key, entry);
            _byId.Add(entry);
            Store(entry, row, seen: true);
        }
    }

    public void Seen(string run, PeerSeen seen) => Update((seen.NodeId, seen.Address), seen: true, old => seen.LastSeen < old.LastSeen ? null : old with
        {
            Port = seen.Port,
            Authenticated = seen.Authenticated,
            How = PeerRow.Method(seen.How),
            LastSeen = seen.LastSeen,
            Sightings = (long)seen.Sightings,
            ExpiredAt = null,
            Run = run,
        });

    // Heard since by another run: still live. An expiry is no sighting: the row's recency stays.
    public void Expired(PeerExpired expired) => Update((expired.NodeId, expired.Address), seen: false,
        old => old.LastSeen > expired.LastSeen ? null : old with { LastSeen = expired.LastSeen, ExpiredAt = expired.Time });

    // A row changed by what an event says of a peer already in the book; null: the event is older news.
    private void Update((NodeId, UInt128) key, bool seen, Func<PeerRow, PeerRow?> change)
    {
        lock (_lock)
        {
            if (_rows.TryGetValue(key, out var entry) && change(entry.Row) is { } row)
                Store(entry, row, seen);
        }
    }

    // Under the lock: the row in place, its recency moved (to the tail of its kind's list) when it was heard.
    private void Store(Entry entry, PeerRow row, bool seen)
    {
        var list = row.Authenticated ? _authenticated : _unauthenticated;
        if (entry.Recency.List != list || seen)
        {
            entry.Recency.List?.Remove(entry.Recency);
            list.AddLast(entry.Recency);
        }

        if (seen)
            entry.Touched = ++_touches;
        entry.Row = row;
        Changed?.Invoke(row);
    }

    // Under the lock, the book full: evicts one row for a newcomer, or says it has no room for it.
    private bool MakeRoom(bool authenticated)
    {
        var victim = _unauthenticated.First ?? (authenticated ? _authenticated.First : null);
        if (!_saidFull && _log is not null)
            BookFull(_log, _maxPeers);
        _saidFull = true;
        if (victim is null)
        {
            _refused++;
            _metrics?.PeerRefused();
            return false;
        }

        var entry = victim.Value;
        victim.List!.Remove(victim);
        _rows.Remove(entry.Key);
        _byId.Remove(entry);
        _evicted++;
        _metrics?.Evicted(entry.Row.Authenticated);
        return true;
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message =
        "Bootstrap: the peer book is full (Bootstrap:MaxPeers {MaxPeers}): from now on each new peer evicts the least recently seen unauthenticated row " +
        "(an authenticated one only for another authenticated peer), counted in widescan.bootstrap.peers.evicted and .refused on /metrics; said once")]
    private static partial void BookFull(Microsoft.Extensions.Logging.ILogger log, int maxPeers);

    // A row with its place in both indexes; mutated only under the book's lock.
    private sealed class Entry
    {
        public Entry() => Recency = new LinkedListNode<Entry>(this);

        public long Id { get; init; }

        public (NodeId, UInt128) Key { get; init; }

        public PeerRow Row { get; set; } = null!;

        public LinkedListNode<Entry> Recency { get; }

        public long Touched { get; set; }
    }
}

/// <summary>A page of <c>/api/peers</c> (JSON, camelCase).</summary>
/// <param name="Total">The rows in the book now.</param>
/// <param name="Rows">This page's rows, in the order they entered the book.</param>
/// <param name="Next">The <c>after</c> of the next page, or null when this is the last.</param>
internal sealed record PeerPage(int Total, IReadOnlyList<PeerRow> Rows, long? Next);

/// <summary>The sizes of <c>/api/peers</c>'s pages.</summary>
internal static class PeerPages
{
    public const int DefaultRows = 100;

    // A request's work and response stay bounded (~350 bytes a row): at most ~350 KB.
    public const int MostRows = 1_000;
}
