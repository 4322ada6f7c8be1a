using Widescan.Contracts;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// ICMPv6 errors end to end: the lab's target namespace is the router in front of a /120, answering
/// one quarter with Destination Unreachable code 0 (an <c>unreachable</c> route), one with code 1 (a
/// <c>prohibit</c> route) and blackholing the rest, with its error rate limits lifted. A scan through
/// each listener (raw socket: the kernel filter must pass type 1; libpcap: the capture filter must)
/// reports exactly the rejected targets, each once, with the router's address and the route's code,
/// nothing for the silent half, and no live host.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(60_000)]
public sealed class UnreachableLabTests
{
    private const string Scanned = "2001:db8:200::/120";
    private const string NoRoute = "2001:db8:200::/122"; // ::0 to ::3f
    private const string Prohibited = "2001:db8:200::40/122"; // ::40 to ::7f

    [TestCase("raw")]
    [TestCase("capture")]
    public async Task Exactly_the_rejected_targets_are_unreachable_with_the_routers_address_and_the_routes_code(string listener, CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        lab.LiftIcmpErrorLimits();
        lab.RejectRoute("blackhole", Scanned);
        lab.RejectRoute("unreachable", NoRoute);
        lab.RejectRoute("prohibit", Prohibited);

        var log = Path.Combine(Path.GetTempPath(), $"widescan-unreachable-{Environment.ProcessId}-{listener}.log");
        var options = ModuleInLab.ScanOptions(Scanned, rate: 20_000) with
        {
            Listener = listener,
            Cooldown = TimeSpan.FromSeconds(1),
            Log = new LogOptions { Console = false, FilePath = log },
        };
        List<DiscoveryEvent> events;
        string[] lines;
        try
        {
            events = await ModuleInLab.RunAsync(lab.Scanner, options, cancellationToken);
            lines = File.ReadAllLines(log);
        }
        finally
        {
            File.Delete(log);
        }

        // The path asked for, not a fallback: each has its own filter (ICMP6_FILTER, BPF) to prove.
        Assert.That(lines, Has.Some.Contains(listener == "raw" ? "Listening with raw: raw ICMPv6 socket" : "Listening with capture: pcap on " + NetnsLab.ScannerInterface));

        var unreachable = events.OfType<TargetUnreachable>().ToList();
        var summary = events.OfType<ScanFinished>().Single().Summary;
        TestContext.Out.WriteLine($"{listener}: sent {summary.ProbesSent}, {unreachable.Count} unreachable, {summary.Alive} alive, {summary.Ignored} ignored, {summary.PacketsReceived} received, {summary.Status}");
        var router = Ipv6Address.Parse(NetnsLab.TargetAddress);
        var noRoute = Ipv6Prefix.Parse(NoRoute);
        var prohibited = Ipv6Prefix.Parse(Prohibited);
        var expected = Enumerable.Range(0, 128).Select(i => Ipv6Prefix.Parse(Scanned).Network + (UInt128)i).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(summary.ProbesSent, Is.EqualTo(256UL));
            Assert.That(unreachable.Select(u => u.Address).Order(), Is.EqualTo(expected), "exactly the rejected quarter and quarter, each once");
            Assert.That(unreachable.Where(u => noRoute.Contains(u.Address)).Select(u => (u.IcmpType, u.Code)).Distinct(), Is.EqualTo(new[] { ((byte)1, (byte)0) }), "no route: type 1 code 0");
            Assert.That(unreachable.Where(u => prohibited.Contains(u.Address)).Select(u => (u.IcmpType, u.Code)).Distinct(), Is.EqualTo(new[] { ((byte)1, (byte)1) }), "prohibited: type 1 code 1");
            Assert.That(unreachable.Select(u => u.Router).Distinct(), Is.EqualTo(new[] { router }), "the router answered");
            Assert.That(events.OfType<HostAlive>(), Is.Empty, "nothing is alive");
            Assert.That(events.OfType<PeerDiscovered>(), Is.Empty);
            Assert.That(summary.Unreachable, Is.EqualTo(128UL));
            Assert.That(summary.Alive, Is.Zero);
            Assert.That(summary.Status, Is.EqualTo(DiscoveryStatus.Complete));
        });
    }
}
