using Widescan.Contracts;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The cells of <see cref="CellProgress"/>: a /112 into 256 /120s, a window scan's /32 into /44s
/// holding its /64s' targets, several prefixes each a grid of its own, and a dry run (the real send
/// path) whose cells count exactly the probes its summary sent.
/// </summary>
public sealed class CellCounterTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    [Test]
    public void A_112_cut_into_256_cells_counts_each_target_in_its_120()
    {
        var prefix = Ipv6Prefix.Parse("2001:db8:5::/112");
        var counter = new CellCounter([prefix], 256);
        var targets = Enumerable.Range(0, 65_536).Select(i => prefix.Network + (UInt128)(uint)i).ToArray();
        counter.CountProbes(targets, probesEach: 2);
        counter.CountAlive(Ipv6Address.Parse("2001:db8:5::1ff"));
        counter.CountUnreachable(Ipv6Address.Parse("2001:db8:5::ff00"));
        counter.CountPeer(Ipv6Address.Parse("2001:db8:6::1")); // outside: not counted

        var grid = counter.Snapshot(T0).Grids.Single();
        var cells = grid.Cells.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That((grid.Prefix, grid.CellLength, cells.Length), Is.EqualTo((prefix, 120, 256)));
            Assert.That(cells.All(c => c.Probes == 512), Is.True, "256 addresses x 2 probes in every /120");
            Assert.That(grid.CellPrefix(1), Is.EqualTo(Ipv6Prefix.Parse("2001:db8:5::100/120")), "cell 1 is the second /120 in address order");
            Assert.That(cells.Select((c, i) => (c.Alive, i)).Where(x => x.Alive > 0).Select(x => x.i), Is.EqualTo(new[] { 1 }));
            Assert.That(cells.Select((c, i) => (c.Unreachable, i)).Where(x => x.Unreachable > 0).Select(x => x.i), Is.EqualTo(new[] { 255 }));
            Assert.That(cells.Sum(c => (long)c.Peers), Is.Zero, "an address outside the includes has no cell");
        });
    }

    [Test]
    public void A_window_scan_of_a_32_counts_its_64s_in_44_cells()
    {
        var prefix = Ipv6Prefix.Parse("2001:db8::/32");
        var counter = new CellCounter([prefix], 4096);
        // The ::1 of the first /64 of every /44, and of three more /64s in the last one.
        var targets = Enumerable.Range(0, 4096).Select(i => prefix.Network + ((UInt128)(uint)i << 84) + 1)
            .Concat(Enumerable.Range(1, 3).Select(k => prefix.Network + ((UInt128)4095u << 84) + ((UInt128)(uint)k << 64) + 1)).ToArray();
        counter.CountProbes(targets, probesEach: 1);
        counter.CountAliased(Ipv6Prefix.Parse("2001:db8:fff0:1::/64"));

        var grid = counter.Snapshot(T0).Grids.Single();
        var cells = grid.Cells.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That((grid.CellLength, cells.Length), Is.EqualTo((44, 4096)));
            Assert.That(cells[0].Probes, Is.EqualTo(1));
            Assert.That(cells[4095].Probes, Is.EqualTo(4), "four /64s of the last /44");
            Assert.That(grid.CellPrefix(4095), Is.EqualTo(Ipv6Prefix.Parse("2001:db8:fff0::/44")));
            Assert.That(cells[4095].Aliased, Is.EqualTo(1), "an aliased /64 counts in the cell of its first address");
        });
    }

    [Test]
    public void Several_prefixes_are_a_grid_each_and_a_short_one_gets_the_cells_it_holds()
    {
        var includes = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8:9::/120"), Ipv6Prefix.Parse("2001:db8:1::/112"), Ipv6Prefix.Parse("2001:db8:2::fff0/125")] }.MergedIncludes();
        var counter = new CellCounter(includes, 256);
        counter.CountAlive(Ipv6Address.Parse("2001:db8:2::fff7"));
        counter.CountAlive(Ipv6Address.Parse("2001:db8:9::ff"));
        counter.CountProbes([Ipv6Address.Parse("2001:db8:1::ffff")], 1);

        var grids = counter.Snapshot(T0).Grids;
        Assert.Multiple(() =>
        {
            Assert.That(grids.Select(g => (g.Prefix.ToString(), g.CellLength, g.Cells.Length)), Is.EqualTo(new[]
            {
                ("2001:db8:1::/112", 120, 256),
                ("2001:db8:2::fff0/125", 127, 4), // 8 addresses: the largest square, 4 cells of 2
                ("2001:db8:9::/120", 128, 256),
            }), "in address order, a grid per include");
            Assert.That(grids[0].Cells.Span[255].Probes, Is.EqualTo(1));
            Assert.That(grids[1].Cells.Span[3].Alive, Is.EqualTo(1));
            Assert.That(grids[2].Cells.Span[255].Alive, Is.EqualTo(1));
            Assert.That(counter.Cells, Is.EqualTo(516));
        });
    }

    [TestCase(3)]
    [TestCase(8)]
    [TestCase(1 << 18)]
    [TestCase(-4)]
    public void ProgressCells_must_be_a_power_of_4_up_to_65536(int cells)
    {
        var options = Scan("2001:db8::/112") with { ProgressCells = cells };
        Assert.That(options.Validate(), Has.One.StartsWith($"ProgressCells {cells} must be 0 (no cell map) or a power of 4"));
    }

    [Test]
    public void Too_many_cells_over_all_prefixes_and_address_lists_are_refused_by_name()
    {
        var many = Scan("2001:db8::/112") with
        {
            ProgressCells = 4096,
            Targets = Scan("2001:db8::/112").Targets! with { Include = [.. Enumerable.Range(0, 17).Select(i => Ipv6Prefix.Parse($"2001:db8:{i:x}::/64"))] },
        };
        var lists = Scan("2001:db8::/112") with { ProgressCells = 256, Targets = new TargetSpec { TargetFiles = ["hitlist.txt"] } };
        Assert.Multiple(() =>
        {
            Assert.That(many.Validate(), Has.One.EqualTo("ProgressCells 4096 over 17 include prefixes makes 69632 cells; at most 65536 are allowed: lower ProgressCells"));
            Assert.That(lists.Validate(), Has.One.StartsWith("ProgressCells cuts include prefixes into cells, and TargetFiles lists addresses"));
            Assert.That((Scan("2001:db8::/112") with { ProgressCells = 4096 }).Validate(), Is.Empty);
            Assert.That(new WidescanOptions { ListenOnly = true, ProgressCells = 256 }.Validate(), Is.Empty, "a listener has no target space: no cells, no error");
        });
    }

    [Test]
    public async Task A_dry_runs_cells_count_exactly_the_probes_it_sent()
    {
        var directory = Directory.CreateTempSubdirectory("widescan-cells-");
        try
        {
            var options = Scan("2001:db8:7::/116") with
            {
                ProgressCells = 256,
                ProbesPerTarget = 2,
                ProbeInterval = TimeSpan.FromMilliseconds(20),
                SourceAddress = Ipv6Host.Parse("2001:db8:1::1"),
                DryRunPath = Path.Combine(directory.FullName, "cells.pcap"),
                RespondToPeers = false,
            };
            var events = await DiscoveryModule.WithOwnParts().RunAsync(options, CancellationToken.None).ToListAsync();
            var summary = events.OfType<ScanFinished>().Single().Summary;
            var last = events.OfType<CellProgress>().Last();
            var cells = last.Grids.Single().Cells.ToArray();
            Assert.Multiple(() =>
            {
                Assert.That(summary.ProbesSent, Is.EqualTo(8192UL));
                Assert.That(cells.Aggregate(0UL, (sum, c) => sum + c.Probes), Is.EqualTo(summary.ProbesSent), "the cells sum to the summary's probes");
                Assert.That(cells.All(c => c.Probes == 32), Is.True, "16 addresses x 2 probes in each /124");
                Assert.That(events.IndexOf(last), Is.EqualTo(events.Count - 2), "the final cells come just before ScanFinished");
            });
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static WidescanOptions Scan(string prefix) => ModuleInLab.ScanOptions(prefix, rate: 100_000);
}
