using System.Diagnostics.Metrics;
using System.Net.ServerSentEvents;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Widescan.Bootstrap;
using Widescan.Bootstrap.Live;
using Widescan.Bootstrap.Map;
using Widescan.Bootstrap.Peers;
using Widescan.Bootstrap.Rendezvous;
using Widescan.Contracts;
using Widescan.Hosting;

namespace Widescan.Tests.Samples;

/// <summary>
/// The bootstrap sample's bounds against hostile traffic (compiled in from samples/Widescan.Bootstrap):
/// the peer book's cap and who it evicts, /api/peers's pages, the page feed's per-page queues, its
/// throttled peer rows and its cap on open pages, each with the counter that says what the bound cost.
/// </summary>
public sealed class BootstrapLimitsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_full_book_evicts_the_least_recently_seen_unauthenticated_row_counts_it_and_says_so_once()
    {
        using var metrics = Metrics();
        using var tally = new Tally(metrics.Meter);
        var log = new CountingLogger();
        var book = new PeerBook(new BootstrapLimits(MaxPeers: 4), metrics, log);
        Discover(book, 1, authenticated: true, T0);
        Discover(book, 2, authenticated: false, T0);
        Discover(book, 3, authenticated: false, T0.AddSeconds(1));
        Discover(book, 4, authenticated: true, T0.AddSeconds(2));
        Seen(book, 2, authenticated: false, T0.AddSeconds(3)); // 3 is now the least recently seen unauthenticated row

        Discover(book, 5, authenticated: false, T0.AddSeconds(4)); // evicts 3
        Discover(book, 6, authenticated: false, T0.AddSeconds(5)); // evicts 2, never the authenticated 1
        Discover(book, 7, authenticated: true, T0.AddSeconds(6));  // evicts 5

        Assert.Multiple(() =>
        {
            Assert.That(book.Count, Is.EqualTo(4), "Bootstrap:MaxPeers");
            Assert.That(Nodes(book), Is.EquivalentTo(new[] { 1, 4, 6, 7 }));
            Assert.That(book.Turnover, Is.EqualTo((3L, 0L)));
            Assert.That(tally["widescan.bootstrap.peers.evicted", "authenticated=False"], Is.EqualTo(3));
            Assert.That(tally["widescan.bootstrap.peers.evicted", "authenticated=True"], Is.Zero);
            Assert.That(log.Warnings, Has.Count.EqualTo(1), "said once, however many rows go");
            Assert.That(log.Warnings.Single(), Does.Contain("Bootstrap:MaxPeers 4").And.Contain("widescan.bootstrap.peers.evicted"));
        });
    }

    [Test]
    public void A_book_full_of_authenticated_rows_refuses_unauthenticated_newcomers_and_makes_room_for_authenticated_ones()
    {
        using var metrics = Metrics();
        using var tally = new Tally(metrics.Meter);
        var book = new PeerBook(new BootstrapLimits(MaxPeers: 3), metrics);
        for (var n = 1; n <= 3; n++)
            Discover(book, n, authenticated: true, T0.AddSeconds(n));
        Seen(book, 1, authenticated: true, T0.AddSeconds(10)); // 2 is the least recently seen

        for (var n = 100; n < 1100; n++)
            Discover(book, n, authenticated: false, T0.AddSeconds(20));
        Discover(book, 4, authenticated: true, T0.AddSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(Nodes(book), Is.EquivalentTo(new[] { 1, 3, 4 }), "a flood without the key moves no authenticated peer; a keyed newcomer takes the least recently seen's place");
            Assert.That(book.Turnover, Is.EqualTo((1L, 1000L)));
            Assert.That(tally["widescan.bootstrap.peers.refused", ""], Is.EqualTo(1000));
            Assert.That(tally["widescan.bootstrap.peers.evicted", "authenticated=True"], Is.EqualTo(1));
        });
    }

    [Test]
    public void The_api_pages_the_book_in_entry_order_with_the_total_and_goes_on_past_an_evicted_cursor()
    {
        var book = new PeerBook(new BootstrapLimits(MaxPeers: 5));
        for (var n = 1; n <= 5; n++)
            Discover(book, n, authenticated: false, T0.AddSeconds(n));

        var first = book.Page(null, 2);
        var second = book.Page(first.Next, 2);
        var third = book.Page(second.Next, 2);
        Assert.Multiple(() =>
        {
            Assert.That((first.Total, Nodes(first), first.Next), Is.EqualTo((5, new[] { 1, 2 }, (long?)1)));
            Assert.That((Nodes(second), second.Next), Is.EqualTo((new[] { 3, 4 }, (long?)3)));
            Assert.That((Nodes(third), third.Next), Is.EqualTo((new[] { 5 }, (long?)null)), "the last page says so");
            Assert.That(book.Page(99, 10).Rows, Is.Empty);
        });

        Seen(book, 1, authenticated: false, T0.AddSeconds(9));
        Discover(book, 6, authenticated: false, T0.AddSeconds(10)); // evicts 2 (1 was just heard): the row the first page ended at
        Assert.That(Nodes(book.Page(first.Next, 10)), Is.EqualTo(new[] { 3, 4, 5, 6 }), "the cursor of an evicted row goes on at the next row that entered after it");
        Assert.That(Nodes(book.Page(null, 1000)), Is.EqualTo(new[] { 1, 3, 4, 5, 6 }));
    }

    [Test]
    public void A_new_page_gets_the_most_recently_seen_rows_least_recent_first_and_the_total()
    {
        var book = new PeerBook(new BootstrapLimits(MaxPeers: 1000));
        for (var n = 1; n <= 600; n++)
            Discover(book, n, authenticated: n % 2 == 0, T0.AddSeconds(n));
        Seen(book, 1, authenticated: false, T0.AddSeconds(700));

        var (rows, total) = book.Recent(LiveFeed.PageRows);
        Assert.Multiple(() =>
        {
            Assert.That(total, Is.EqualTo(600));
            Assert.That(rows, Has.Count.EqualTo(500));
            Assert.That(Nodes(rows).Take(3), Is.EqualTo(new[] { 102, 103, 104 }), "both kinds merged by recency");
            Assert.That(Nodes(rows).TakeLast(2), Is.EqualTo(new[] { 600, 1 }), "the row just heard comes last");
        });
    }

    [Test]
    public async Task A_new_stream_sends_at_most_PageRows_rows_then_the_total_and_the_state()
    {
        var book = new PeerBook(new BootstrapLimits(MaxPeers: 1000));
        for (var n = 1; n <= 600; n++)
            Discover(book, n, authenticated: false, T0.AddSeconds(n));
        var feed = Feed(book, new BootstrapLimits());
        using var page = feed.TryOpen()!;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var items = new List<SseItem<string>>();
        await foreach (var item in feed.StreamAsync(page, stop.Token))
        {
            items.Add(item);
            if (item.EventType == "rendezvous")
                break;
        }

        Assert.Multiple(() =>
        {
            Assert.That(items.Count(i => i.EventType == "peer"), Is.EqualTo(LiveFeed.PageRows));
            Assert.That(items[LiveFeed.PageRows].EventType, Is.EqualTo("peers"));
            Assert.That(items[LiveFeed.PageRows].Data, Is.EqualTo("""{"total":600}"""));
            Assert.That(items[0].Data, Does.Contain(Node(101).ToString()), "the 500 most recently seen: from the 101st on");
            Assert.That(feed.Pages, Is.Zero, "the stream's end closes the page");
        });
    }

    [Test]
    public void Peer_rows_go_out_at_most_once_a_row_per_flush_and_the_total_only_when_it_moved()
    {
        var book = new PeerBook();
        var feed = Feed(book, new BootstrapLimits());
        using var page = feed.TryOpen()!;
        Discover(book, 1, authenticated: false, T0);
        for (var s = 1; s <= 50; s++)
            Seen(book, 1, authenticated: false, T0.AddSeconds(s)); // a scanner probing as fast as it likes
        Discover(book, 2, authenticated: false, T0);

        feed.FlushPeers();
        var first = Drain(page);
        feed.FlushPeers();
        Assert.Multiple(() =>
        {
            Assert.That(first.Where(i => i.EventType == "peer").Select(i => i.Data.Contains(Node(1).ToString(), StringComparison.Ordinal) ? 1 : 2),
                Is.EquivalentTo(new[] { 1, 2 }), "one update per row per flush, however many changes");
            Assert.That(first.Single(i => i.EventType == "peer" && i.Data.Contains(Node(1).ToString(), StringComparison.Ordinal)).Data,
                Does.Contain("\"sightings\":50"), "the latest change of the row");
            Assert.That(first.Single(i => i.EventType == "peers").Data, Is.EqualTo("""{"total":2}"""));
            Assert.That(Drain(page), Is.Empty, "nothing changed: nothing sent");
        });
    }

    [Test]
    public void A_slow_page_keeps_only_the_latest_map_and_QueuedRows_rows_and_every_drop_is_counted()
    {
        using var metrics = Metrics();
        using var tally = new Tally(metrics.Meter);
        var book = new PeerBook(new BootstrapLimits(MaxPeers: 2000), metrics);
        var feed = Feed(book, new BootstrapLimits(), metrics);
        using var page = feed.TryOpen()!;
        for (var n = 1; n <= 3 * LiveFeed.PageRows; n++)
        {
            Discover(book, n, authenticated: false, T0);
            if (n % LiveFeed.PageRows == 0)
                feed.FlushPeers(); // three flushes of 500 rows, none read
        }

        for (var v = 0; v < 5; v++)
            feed.PublishMap(Snapshot(v));

        var read = Drain(page);
        Assert.Multiple(() =>
        {
            Assert.That(read.Count(i => i.EventType == "peer"), Is.EqualTo(LiveFeed.QueuedRows), "the page's row queue");
            Assert.That(read.Single(i => i.EventType == "map").Data, Does.Contain("\"version\":4"), "only the latest map");
            Assert.That(page.DroppedRows, Is.EqualTo(3 * LiveFeed.PageRows - LiveFeed.QueuedRows));
            Assert.That(page.SupersededMaps, Is.EqualTo(4));
            Assert.That(tally["widescan.bootstrap.events.dropped", "event=peer"], Is.EqualTo(3 * LiveFeed.PageRows - LiveFeed.QueuedRows));
            Assert.That(tally["widescan.bootstrap.events.dropped", "event=map"], Is.EqualTo(4));
        });

        // More changed rows in one interval than a page keeps: the rest are not sent, and counted.
        for (var n = 1; n <= LiveFeed.PageRows + 7; n++)
            Seen(book, n, authenticated: false, T0.AddSeconds(1));
        feed.FlushPeers();
        Assert.That(Drain(page).Count(i => i.EventType == "peer"), Is.EqualTo(LiveFeed.PageRows));
        Assert.That(tally["widescan.bootstrap.events.dropped", "event=peer"], Is.EqualTo(3 * LiveFeed.PageRows - LiveFeed.QueuedRows + 7));
    }

    [Test]
    public void Past_MaxEventClients_a_page_is_refused_and_counted_until_one_closes()
    {
        using var metrics = Metrics();
        using var tally = new Tally(metrics.Meter);
        var feed = Feed(new PeerBook(), new BootstrapLimits(MaxEventClients: 2), metrics);
        var a = feed.TryOpen();
        var b = feed.TryOpen();
        var refused = feed.TryOpen();
        Assert.Multiple(() =>
        {
            Assert.That(a, Is.Not.Null);
            Assert.That(b, Is.Not.Null);
            Assert.That(refused, Is.Null);
            Assert.That(feed.Pages, Is.EqualTo(2));
            Assert.That(tally["widescan.bootstrap.events.refused", ""], Is.EqualTo(1));
        });
        a!.Dispose();
        a.Dispose(); // the stream's end and the response both close it: once is what counts
        using var c = feed.TryOpen();
        Assert.That(c, Is.Not.Null, "a closed page frees its place");
        Assert.That(feed.Pages, Is.EqualTo(2));
        b!.Dispose();
    }

    [Test]
    public void The_Bootstrap_section_defaults_and_names_every_bad_value_at_once()
    {
        Assert.That(BootstrapLimits.From(Section([])), Is.EqualTo(new BootstrapLimits(10_000, 64)));
        Assert.That(BootstrapLimits.From(Section([("MaxPeers", "250"), ("MaxEventClients", "8")])), Is.EqualTo(new BootstrapLimits(250, 8)));
        Assert.That(() => BootstrapLimits.From(Section([("MaxPeers", "0"), ("MaxEventClients", "lots")])),
            Throws.InvalidOperationException.With.Message.Contains("Bootstrap:MaxPeers is '0': give a whole number from 1 to 1,000,000")
                .And.Message.Contains("Bootstrap:MaxEventClients is 'lots'"));
    }

    private static IConfiguration Section((string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>("Bootstrap:" + v.Key, v.Value))).Build().GetSection("Bootstrap");

    private static LiveFeed Feed(PeerBook book, BootstrapLimits limits, BootstrapMetrics? metrics = null) =>
        new(book, new MapBoard(Microsoft.Extensions.Options.Options.Create(new WidescanHostOptions())), new RendezvousClaims(), limits, metrics);

    private static MapSnapshot Snapshot(long version) => new("scheduled-1", "running", 0, 0, 0, 0, [], version);

    private static List<SseItem<string>> Drain(PageQueue page)
    {
        var items = new List<SseItem<string>>();
        while (page.TryTake(out var item))
            items.Add(item);
        return items;
    }

    private static NodeId Node(int n) => NodeId.Parse($"5ca4e5{n:x26}");

    private static UInt128 Address(int n) => Ipv6Address.Parse("2001:db8:1::") + (UInt128)n;

    private static void Discover(PeerBook book, int n, bool authenticated, DateTimeOffset at) =>
        book.Discovered("listener-1", new PeerDiscovered(at, Address(n), Node(n), 30304, PeerDiscoveryMethod.Announced, authenticated, default, null));

    private static void Seen(PeerBook book, int n, bool authenticated, DateTimeOffset at) =>
        book.Seen("listener-1", new PeerSeen(at, Address(n), Node(n), 30304, PeerDiscoveryMethod.ProbedUs, authenticated, T0, at, (ulong)(at - T0).TotalSeconds));

    private static int[] Nodes(PeerBook book) => Nodes(book.Page(null, PeerPages.MostRows).Rows);

    private static int[] Nodes(PeerPage page) => Nodes(page.Rows);

    private static int[] Nodes(IEnumerable<PeerRow> rows) => [.. rows.Select(r => Convert.ToInt32(r.NodeId[6..], 16))];

    private static OwnedMetrics Metrics() => new();

    /// <summary>The sample's meter on a factory of its own (tests run side by side: no meter shared).</summary>
    private sealed class OwnedMetrics : IDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

        public OwnedMetrics() => Metrics = new BootstrapMetrics(_services.GetRequiredService<IMeterFactory>());

        public BootstrapMetrics Metrics { get; }

        public Meter Meter => Metrics.Meter;

        public static implicit operator BootstrapMetrics(OwnedMetrics owned) => owned.Metrics;

        public void Dispose() => _services.Dispose();
    }

    /// <summary>Sums what one meter's counters recorded, by instrument and tags.</summary>
    private sealed class Tally : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<(string, string), long> _sums = [];

        public Tally(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter)
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var key = (instrument.Name, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")));
                lock (_sums)
                    _sums[key] = _sums.GetValueOrDefault(key) + value;
            });
            _listener.Start();
        }

        public long this[string name, string tags]
        {
            get { lock (_sums) return _sums.GetValueOrDefault((name, tags)); }
        }

        public void Dispose() => _listener.Dispose();
    }

    private sealed class CountingLogger : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
                Warnings.Add(formatter(state, exception));
        }
    }
}
