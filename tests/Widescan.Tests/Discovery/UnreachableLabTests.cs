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

    [TestCase("raw", false)]
    [TestCase("capture", false)]
    [TestCase("raw", true)] // keyed: the router quotes the whole probe, so its MAC verifies
    public async Task Exactly_the_rejected_targets_are_unreachable_with_the_routers_address_and_the_routes_code(string listener, bool keyed, CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        lab.LiftIcmpErrorLimits();
        lab.RejectRoute("blackhole", Scanned);
        lab.RejectRoute("unreachable", NoRoute);
        lab.RejectRoute("prohibit", Prohibited);

        var log = Path.Combine(Path.GetTempPath(), $"widescan-unreachable-{Environment.ProcessId}-{listener}-{keyed}.log");
        var options = ModuleInLab.ScanOptions(Scanned, rate: 20_000) with
        {
            Listener = listener,
            Cooldown = TimeSpan.FromSeconds(1),
            Log = new LogOptions { Console = false, FilePath = log },
            NetworkKey = keyed ? "widescan lab network key, 32 bytes!"u8.ToArray() : default,
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
        TestContext.Out.WriteLine($"{listener}{(keyed ? " keyed" : "")}: sent {summary.ProbesSent}, {unreachable.Count} unreachable, {summary.Alive} alive, {summary.Ignored} ignored, {summary.PacketsReceived} received, {summary.Status}");
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

    /// <summary>
    /// On-link targets that do not exist: neighbour discovery fails, and the scanner's own kernel
    /// answers each probe with "address unreachable" from the scanner's own address, looped back, so
    /// only the raw socket hears it. It says nothing about the target, so both listeners must agree:
    /// no record at all, the target silent as to the capture. The lab's neighbour discovery gives up
    /// after 3 x 100 ms instead of 3 s.
    /// </summary>
    [TestCase("raw")]
    [TestCase("capture")]
    public async Task On_link_targets_that_do_not_resolve_are_silent_to_both_listeners(string listener, CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        lab.ExecInScanner("sysctl", "-qw", $"net.ipv6.neigh.{NetnsLab.ScannerInterface}.retrans_time_ms=100");
        var options = ModuleInLab.ScanOptions("2001:db8:1::10/126", rate: 1000) with
        {
            Listener = listener,
            Cooldown = TimeSpan.FromSeconds(1.5),
        };

        var events = await ModuleInLab.RunAsync(lab.Scanner, options, cancellationToken);

        var summary = events.OfType<ScanFinished>().Single().Summary;
        TestContext.Out.WriteLine($"{listener}: sent {summary.ProbesSent}, {summary.Unreachable} unreachable, {summary.Alive} alive, {summary.Ignored} ignored, {summary.PacketsReceived} received, {summary.Status}");
        Assert.Multiple(() =>
        {
            Assert.That(summary.ProbesSent, Is.EqualTo(4UL));
            Assert.That(events.OfType<TargetUnreachable>(), Is.Empty, "our own kernel's errors are not the targets'");
            Assert.That(events.OfType<HostAlive>(), Is.Empty);
            Assert.That((summary.Unreachable, summary.Alive, summary.AliveOverruled), Is.EqualTo((0UL, 0UL, 0UL)));
            Assert.That(summary.Status, Is.EqualTo(DiscoveryStatus.Complete));
            if (listener == "raw")
                Assert.That(summary.Ignored, Is.GreaterThanOrEqualTo(4UL), "the raw socket heard our kernel's errors, one per probe, and ignored them");
        });
    }

    /// <summary>
    /// Every target answers one of its two probes and refuses the other (a REJECT in its own stack,
    /// every other echo request: 63 targets, an odd count, so each target's two probes, a round
    /// apart, fall on opposite sides). Half of them refuse first (the listener overrules the echo
    /// that follows), half answer first and refuse 300 ms later, within the 1 s grace (the filter
    /// drops the held echo): every target is unreachable, from itself, none is alive, and every one
    /// of the 63 live hosts is counted as overruled, none lost silently.
    /// </summary>
    [Test]
    public async Task A_target_that_answers_one_probe_and_refuses_the_other_is_unreachable_and_its_echo_counted_as_overruled(CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        const string Flapping = "2001:db8:300::/122";
        var prefix = Ipv6Prefix.Parse(Flapping);
        var hosts = Enumerable.Range(1, 63).Select(i => prefix.Network + (UInt128)i).ToList();
        using var lab = NetnsLab.Create();
        lab.LiftIcmpErrorLimits();
        lab.AnswerSparse(Flapping, hosts.Select(Ipv6Address.Format));
        lab.RejectEveryOtherEchoRequest();
        var options = ModuleInLab.ScanOptions(Flapping, rate: 1000) with
        {
            ProbesPerTarget = 2,
            ProbeInterval = TimeSpan.FromMilliseconds(300),
            Cooldown = TimeSpan.FromSeconds(1.5),
        };
        options = options with { Targets = options.Targets! with { Exclude = [new Ipv6Prefix(prefix.Network, 128)] } };

        var events = await ModuleInLab.RunAsync(lab.Scanner, options, cancellationToken);

        var summary = events.OfType<ScanFinished>().Single().Summary;
        var unreachable = events.OfType<TargetUnreachable>().ToList();
        TestContext.Out.WriteLine($"sent {summary.ProbesSent}, {summary.Unreachable} unreachable, {summary.Alive} alive, {summary.AliveOverruled} overruled, {summary.Status}");
        Assert.Multiple(() =>
        {
            Assert.That(summary.ProbesSent, Is.EqualTo(126UL));
            Assert.That(unreachable.Select(u => u.Address).Order(), Is.EqualTo(hosts), "every target, once");
            Assert.That(unreachable.All(u => u.Router == u.Address && (u.IcmpType, u.Code) == (1, 1)), Is.True, "refused by its own stack: the router is the target");
            Assert.That(events.OfType<HostAlive>(), Is.Empty);
            Assert.That((summary.Alive, summary.Unreachable, summary.AliveOverruled), Is.EqualTo((0UL, 63UL, 63UL)));
            Assert.That(summary.Status, Is.EqualTo(DiscoveryStatus.Complete));
        });
    }
}
