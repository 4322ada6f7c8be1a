using Widescan.Contracts;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The discovery module end to end in the namespace lab (run in-process in the scanner namespace):
/// broadcaster, listener, classifier and results against real kernels.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(90_000)]
public sealed class ModuleLabTests
{
    [Test]
    public async Task A_slash_112_answered_by_the_kernel_is_found_entirely_each_address_once(CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        const string swept = "2001:db8:100::/112";
        lab.AnswerPrefix(swept);

        var events = await ModuleInLab.RunAsync(lab.Scanner, ModuleInLab.ScanOptions(swept), cancellationToken);

        var alive = events.OfType<HostAlive>().ToList();
        var summary = events.OfType<ScanFinished>().Single().Summary;
        TestContext.Out.WriteLine($"sent {summary.ProbesSent} in {summary.Duration.TotalSeconds:F2} s, {alive.Count} alive, {summary.Ignored} ignored, {summary.PacketsReceived} received");
        var prefix = Ipv6Prefix.Parse(swept);
        Assert.Multiple(() =>
        {
            Assert.That(events[^1], Is.InstanceOf<ScanFinished>(), "the last event is the summary");
            Assert.That(summary.ProbesSent, Is.EqualTo(65_536UL));
            Assert.That(alive.Select(a => a.Address).Distinct().Count(), Is.EqualTo(65_536), "distinct live hosts");
            Assert.That(alive, Has.Count.EqualTo(65_536), "each reported once");
            Assert.That(alive.All(a => prefix.Contains(a.Address)), Is.True);
            Assert.That(events.OfType<PeerDiscovered>(), Is.Empty);
            Assert.That(summary.Alive, Is.EqualTo(65_536UL));
            Assert.That(summary.Cursor, Is.EqualTo(summary.Positions));
            Assert.That(summary.Cancelled, Is.False);
        });
    }
}
