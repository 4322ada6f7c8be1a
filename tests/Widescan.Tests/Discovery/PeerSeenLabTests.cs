using Widescan.Contracts;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// In a namespace lab: a listener hears a scanner probe it twice and reports it once as a peer, then
/// as seen again, with first and last seen a round apart; the scan's cells (ProgressCells) count
/// exactly the probes it sent and the hosts it found, each in its own cell.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(60_000)]
public sealed class PeerSeenLabTests
{
    [Test]
    public async Task A_listener_hearing_a_scanner_twice_reports_it_seen_and_the_scans_cells_add_up(CancellationToken cancellationToken)
    {
        Assume.That(Environment.IsPrivilegedProcess, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        // Every address of the target namespace is the listener's own: it does not answer the scanner
        // (RespondToPeers off), so all four are plain live hosts to the scan, answered by the kernel.
        string[] hosts = ["2001:db8:100::3", "2001:db8:100::77", "2001:db8:100::80", "2001:db8:100::ff"];
        lab.AnswerSparse("2001:db8:100::/120", hosts);
        var listener = ModuleInLab.Start(lab.Target, new WidescanOptions
        {
            ListenOnly = true,
            ListenDuration = TimeSpan.FromSeconds(5),
            Interface = NetnsLab.TargetInterface,
            NodeId = NodeId.Parse("77777777777777777777777777777777"),
            ServicePort = 4077,
            PeerSeenInterval = TimeSpan.Zero,
            RespondToPeers = false,
            Log = new LogOptions { Console = false },
        }, cancellationToken);
        Thread.Sleep(300);

        // Two rounds 1.2 s apart: the listener hears the scanner's probe twice, more than the
        // listener's one-second gap between sightings of a peer apart.
        var scanner = NodeId.Parse("55555555555555555555555555555555");
        var options = ModuleInLab.ScanOptions("2001:db8:100::/120", 5_000) with
        {
            NodeId = scanner,
            ProbesPerTarget = 2,
            ProbeInterval = TimeSpan.FromSeconds(1.2),
            ProgressCells = 256,
        };
        var events = await ModuleInLab.RunAsync(lab.Scanner, options, cancellationToken);
        var heard = await listener.ToListAsync();

        var summary = events.OfType<ScanFinished>().Single().Summary;
        var cells = events.OfType<CellProgress>().Last().Grids.Single();
        var counts = cells.Cells.ToArray();
        var found = heard.OfType<PeerDiscovered>().Single();
        var seen = heard.OfType<PeerSeen>().ToList();
        TestContext.Out.WriteLine($"listener: {string.Join(", ", heard.Where(e => e is PeerDiscovered or PeerSeen or PeerExpired))}");
        Assert.Multiple(() =>
        {
            Assert.That((found.NodeId, found.How), Is.EqualTo((scanner, PeerDiscoveryMethod.ProbedUs)), "the listener found the scanner");
            Assert.That(seen, Is.Not.Empty, "and then saw it again");
            var last = seen[^1];
            Assert.That((last.NodeId, last.FirstSeen, last.Sightings), Is.EqualTo((scanner, found.Time, 2UL)), "two sightings, the first the discovery");
            Assert.That(last.LastSeen - last.FirstSeen, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)), "a round apart");
            Assert.That(heard.OfType<PeerExpired>(), Is.Empty);

            Assert.That((summary.ProbesSent, summary.SendFailures, summary.AliasProbes), Is.EqualTo((512UL, 0UL, 0UL)));
            Assert.That((cells.Prefix, cells.CellLength, counts.Length), Is.EqualTo((Ipv6Prefix.Parse("2001:db8:100::/120"), 128, 256)));
            Assert.That(counts.Aggregate(0UL, (sum, c) => sum + c.Probes), Is.EqualTo(summary.ProbesSent), "the cells' probes sum to the summary's");
            Assert.That(counts.Aggregate(0UL, (sum, c) => sum + c.Alive), Is.EqualTo(summary.Alive), "the cells' live hosts sum to the summary's");
            Assert.That(summary.Alive, Is.EqualTo(4UL));
            Assert.That(counts.Select((c, i) => (c.Alive, i)).Where(x => x.Alive > 0).Select(x => x.i), Is.EqualTo(new[] { 0x03, 0x77, 0x80, 0xff }), "each host in its own cell");
            Assert.That(counts.All(c => c.Probes == 2 && c.Peers == 0 && c.Unreachable == 0), Is.True, "two probes to each address, nothing else");
            Assert.That(events.OfType<CellProgress>().Count(), Is.GreaterThanOrEqualTo(2), "cells with the progress reports and a final one");
        });
    }
}
