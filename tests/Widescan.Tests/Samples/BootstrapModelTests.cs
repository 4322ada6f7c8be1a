using Microsoft.Extensions.Options;
using Widescan.Bootstrap.Live;
using Widescan.Bootstrap.Map;
using Widescan.Bootstrap.Peers;
using Widescan.Contracts;
using Widescan.Hosting;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Samples;

/// <summary>
/// The bootstrap sample's models (compiled in from samples/Widescan.Bootstrap): the map a scan's
/// <see cref="CellProgress"/> makes, fed by the plugin's own cell counter, for a /112 and for a window
/// scan of a /32 (what the browser test cannot afford to scan), several include prefixes, and the peer
/// book's rows through discovery, sightings and expiry.
/// </summary>
public sealed class BootstrapModelTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_window_scan_of_a_32_is_a_map_of_16384_cells_of_46_each_2_18_windows_with_the_probes_the_plugin_counted()
    {
        var targets = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/32")], SubnetBits = 64, Iid = IidPattern.Fixed(1), AllowReserved = true };
        var options = Options(targets, probesPerTarget: 1);
        var counter = CellCounter.For(options)!;
        // The ::1 of three /64s: two in the first /46, one in the last cell of the /32.
        UInt128[] sent = [Ipv6Address.Parse("2001:db8::1"), Ipv6Address.Parse("2001:db8:0:1::1"), Ipv6Address.Parse("2001:db8:ffff:ffff::1")];
        counter.CountProbes(sent, 1);
        counter.CountAlive(sent[2]);

        var grid = Draw(options, counter).Grids.Single();
        Assert.Multiple(() =>
        {
            Assert.That(grid.Prefix, Is.EqualTo("2001:db8::/32"));
            Assert.That(grid.CellLength, Is.EqualTo(46), "16,384 cells = 4^7: 7 base-4 digits below the /32");
            Assert.That(grid.Order, Is.EqualTo(7), "128 x 128 on the page");
            Assert.That(grid.WindowLength, Is.EqualTo(64));
            Assert.That(grid.ProbesPerCell, Is.EqualTo(Math.Pow(2, 18)), "a /46 holds 2^18 /64 windows, one probe each");
            Assert.That(grid.CellProbes, Has.Length.EqualTo(16384));
            Assert.That(grid.CellProbes[0], Is.EqualTo(2UL));
            Assert.That(grid.CellProbes[16383], Is.EqualTo(1UL));
            Assert.That(grid.CellProbes.Sum(p => (long)p), Is.EqualTo(3));
            Assert.That(grid.Answers, Is.EqualTo(new ulong[] { 16383, 1, 0, 0, 0 }), "the one answered cell: index, alive, peers, unreachable, aliased");
            Assert.That(grid.AnsweredCells, Is.EqualTo(1));
        });
    }

    [Test]
    public void A_112_is_a_map_of_126s_and_every_include_prefix_is_a_grid_of_its_own()
    {
        var targets = new TargetSpec
        {
            Include = [Ipv6Prefix.Parse("2001:db8:100::/112"), Ipv6Prefix.Parse("2001:db8:101::/120")],
            AllowReserved = true,
        };
        var options = Options(targets, probesPerTarget: 2);
        var counter = CellCounter.For(options)!;
        counter.CountProbes([Ipv6Address.Parse("2001:db8:100::5"), Ipv6Address.Parse("2001:db8:101::7")], 2);
        counter.CountUnreachable(Ipv6Address.Parse("2001:db8:100::f001"));
        counter.CountPeer(Ipv6Address.Parse("2001:db8:101::7"));

        var map = Draw(options, counter);
        Assert.That(map.Grids.Select(g => (g.Prefix, g.CellLength, g.Order, g.CellProbes.Length)),
            Is.EqualTo(new[] { ("2001:db8:100::/112", 126, 7, 16384), ("2001:db8:101::/120", 128, 4, 256) }),
            "a /120 holds 256 addresses: its largest power of 4 below 16,384, one address a cell");
        Assert.Multiple(() =>
        {
            Assert.That(map.Grids[0].ProbesPerCell, Is.EqualTo(8), "4 addresses a /126, 2 probes each");
            Assert.That(map.Grids[1].ProbesPerCell, Is.EqualTo(2));
            Assert.That(map.Grids[0].CellProbes[1], Is.EqualTo(2UL), "::5 is in the second /126");
            Assert.That(map.Grids[0].Answers, Is.EqualTo(new ulong[] { 0xf001 >> 2, 0, 0, 1, 0 }));
            Assert.That(map.Grids[1].Answers, Is.EqualTo(new ulong[] { 7, 0, 1, 0, 0 }));
            Assert.That(map.Grids[1].WindowLength, Is.Null);
        });
    }

    [Test]
    public void The_board_draws_the_latest_scan_with_its_progress_and_never_the_listener()
    {
        var options = Options(new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8:100::/112")], AllowReserved = true }, 1);
        var board = new MapBoard(HostOptions(options));
        var events = new PageEvents(new PeerBook(), board);
        var progress = new ScanProgress(ProbesSent: 100, 0, 0, 0, 0, SendRate: 50, Cursor: 100, Positions: 65536, TimeSpan.FromSeconds(2), null);

        Handle(events, "listener-1", new ProgressReported(T0, progress with { Positions = 0 }));
        Assert.That(board.Current, Is.Null, "a listener has no cells: no map");
        Handle(events, "scheduled-2", new ProgressReported(T0, progress));
        Handle(events, "scheduled-2", CellProgress(options));
        Handle(events, "listener-1", new ProgressReported(T0, progress with { Cursor = 0 }));
        var first = board.Current!.Snapshot();
        Assert.Multiple(() =>
        {
            Assert.That(first.Run, Is.EqualTo("scheduled-2"));
            Assert.That((first.Cursor, first.Positions, first.SendRate), Is.EqualTo((100UL, 65536UL, 50.0)), "the report just before the first cells, and not the listener's");
            Assert.That(first.Status, Is.EqualTo("running"));
        });

        Handle(events, "scheduled-2", new ScanFinished(T0, new DiscoverySummary { Status = DiscoveryStatus.Complete, ProbesSent = 65536, Cursor = 65536, Positions = 65536 }));
        Assert.That((board.Current!.Snapshot().Status, board.Current.Snapshot().ProbesSent), Is.EqualTo(("Complete", 65536UL)));
        Handle(events, "scheduled-3", CellProgress(options));
        Assert.That(board.Current!.Snapshot().Run, Is.EqualTo("scheduled-3"), "the next scan's first cells replace the map");
    }

    [TestCase(16384, 1, 16384)]
    [TestCase(16384, 4, 16384)]
    [TestCase(16384, 5, 4096)]
    [TestCase(65536, 2, 16384)]
    [TestCase(0, 1, 0)]
    public void The_cells_asked_of_the_plugin_fit_its_total_over_every_include(int configured, int includes, int expected)
    {
        var targets = new TargetSpec { Include = [.. Enumerable.Range(0, includes).Select(i => Ipv6Prefix.Parse($"2001:db8:{0x100 + i:x}::/112"))], AllowReserved = true };
        var options = new WidescanOptions { Targets = targets, ProgressCells = configured };
        var fitted = MapCells.Fit(options);
        Assert.That(fitted, Is.EqualTo(expected));
        Assert.That(() => (options with { ProgressCells = fitted }).EnsureValid(), Throws.Nothing, "the plugin takes it");
    }

    [Test]
    public void A_peer_row_moves_with_its_sightings_is_marked_expired_and_is_live_again_when_found_anew()
    {
        var book = new PeerBook();
        var events = new PageEvents(book, new MapBoard(HostOptions(new WidescanOptions())));
        var changes = new List<PeerRow>();
        book.Changed += changes.Add;
        var node = NodeId.Parse("5ca4e500000000000000000000000002");
        var address = Ipv6Address.Parse("2001:db8:1::2");

        Handle(events, "listener-1", new PeerDiscovered(T0, address, node, 30304, PeerDiscoveryMethod.ProbedUs, true, default, null));
        Handle(events, "listener-1", new PeerSeen(T0.AddSeconds(61), address, node, 30304, PeerDiscoveryMethod.ProbedUs, true, T0, T0.AddSeconds(61), 3));
        var seen = book.Page(null, 10).Rows.Single();
        Handle(events, "listener-1", new PeerExpired(T0.AddMinutes(12), address, node, T0, T0.AddSeconds(61)));
        var expired = book.Page(null, 10).Rows.Single();
        Handle(events, "listener-1", new PeerSeen(T0.AddSeconds(30), address, node, 30304, PeerDiscoveryMethod.ProbedUs, true, T0, T0.AddSeconds(30), 2));
        Assert.That(book.Page(null, 10).Rows.Single(), Is.EqualTo(expired), "an older sighting (another run's) changes nothing");
        Handle(events, "scheduled-2", new PeerDiscovered(T0.AddMinutes(13), address, node, 30304, PeerDiscoveryMethod.AnsweredProbe, true, default, TimeSpan.FromMilliseconds(0.4)));
        var back = book.Page(null, 10).Rows.Single();

        Assert.Multiple(() =>
        {
            Assert.That((seen.FirstSeen, seen.LastSeen, seen.Sightings, seen.ExpiredAt), Is.EqualTo((T0, T0.AddSeconds(61), 3L, (DateTimeOffset?)null)));
            Assert.That(expired.ExpiredAt, Is.EqualTo(T0.AddMinutes(12)));
            Assert.That(expired.LastSeen, Is.EqualTo(T0.AddSeconds(61)));
            Assert.That((back.FirstSeen, back.ExpiredAt, back.How, back.Run), Is.EqualTo((T0.AddMinutes(13), (DateTimeOffset?)null, "answered-probe", "scheduled-2")),
                "found again after expiry: a new peer, as the plugin reports it");
            Assert.That(changes, Has.Count.EqualTo(4), "each change published once, the stale sighting not");
        });
    }

    private static WidescanOptions Options(TargetSpec targets, int probesPerTarget) =>
        new() { Targets = targets, ProgressCells = 16384, ProbesPerTarget = probesPerTarget };

    private static IOptions<WidescanHostOptions> HostOptions(WidescanOptions discovery) =>
        Microsoft.Extensions.Options.Options.Create(new WidescanHostOptions { Discovery = discovery });

    private static CellProgress CellProgress(WidescanOptions options) => CellCounter.For(options)!.Snapshot(T0);

    private static MapSnapshot Draw(WidescanOptions options, CellCounter counter)
    {
        var board = new MapBoard(HostOptions(options));
        board.Seen("scheduled-1", counter.Snapshot(T0));
        return board.Current!.Snapshot();
    }

    private static void Handle(IWidescanEventHandler handler, string run, DiscoveryEvent e) =>
        Assert.That(handler.OnEventAsync(run, e, CancellationToken.None).IsCompletedSuccessfully, Is.True, "the handler never waits");
}
