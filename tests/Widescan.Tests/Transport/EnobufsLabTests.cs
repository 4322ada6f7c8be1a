using Widescan.Contracts;
using Widescan.Plugin.Transport;
using Widescan.Plugin.Transport.Native;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Transport;

/// <summary>
/// Sweeping addresses that are on-link but absent leaves one INCOMPLETE neighbour entry each; once
/// the table is full the kernel refuses sends with ENOBUFS. The sender must back off, retry, and
/// account for every destination as sent or failed: no exception, nothing dropped unaccounted.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(60_000)]
public sealed class EnobufsLabTests
{
    // On-link from the scanner (inside 2001:db8:1::/64) and owned by nobody.
    private const string Absent = "2001:db8:1::1:0/112";
    private const int Count = 4096;

    [Test]
    public void On_link_sweep_that_fills_the_neighbour_table_is_retried_and_fully_accounted()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        var destinations = LabSweepTests.AllAddresses(Absent)[..Count];
        Assert.That(Ipv6Prefix.Parse(NetnsLab.LinkPrefix).Contains(destinations[^1]), Is.True);

        var delays = new List<TimeSpan>();
        var options = new RawIcmpv6SenderOptions
        {
            // Short waits keep the test quick: a full table only frees entries after ~3 s.
            InitialBackoff = TimeSpan.FromMilliseconds(1),
            MaxBackoff = TimeSpan.FromMilliseconds(8),
            MaxAttemptsWithoutProgress = 5,
            Delay = delay =>
            {
                delays.Add(delay);
                Thread.Sleep(delay);
            },
        };
        using var sender = lab.InScanner(() => new RawIcmpv6Sender(options));
        lab.AssertInScanner(sender.NamespaceInode);

        var writer = new EchoRequestWriter();
        var lastErrno = 0;
        for (var offset = 0; offset < Count; offset += sender.BatchSize)
        {
            var result = sender.SendBatch(destinations.AsSpan(offset, sender.BatchSize), ref writer);
            Assert.That(result.Sent + result.Failed, Is.EqualTo(sender.BatchSize), "a batch lost track of a destination");
            if (result.LastErrno != 0)
                lastErrno = result.LastErrno;
        }

        var incomplete = lab.ExecInScanner("ip", "-6", "neigh", "show", "nud", "incomplete")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        TestContext.Out.WriteLine(
            $"on-link sweep of {Count}: sent {sender.Sent}, failed {sender.Failed}, retries {sender.Retries}, " +
            $"last errno {lastErrno}, incomplete neighbours {incomplete}");
        Assert.Multiple(() =>
        {
            Assert.That(sender.Sent + sender.Failed, Is.EqualTo(Count), "sent + failed must account for every destination");
            Assert.That(sender.Retries, Is.GreaterThan(0), "the neighbour table never filled: no ENOBUFS to handle");
            Assert.That(lastErrno, Is.EqualTo(LibC.ENOBUFS));
            Assert.That(delays, Has.Count.EqualTo(sender.Retries), "one back-off sleep per retry");
            Assert.That(delays, Has.All.LessThanOrEqualTo(options.MaxBackoff));
            Assert.That(writer.Written, Is.EqualTo(Count));
        });
    }
}
