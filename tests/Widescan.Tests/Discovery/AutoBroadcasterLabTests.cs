using Widescan.Contracts;
using Widescan.Plugin.Discovery;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The "auto" broadcaster (the default) in the namespace lab: which path it takes is read from its
/// one log line, and each path must find the whole answered /112. An on-link /112 cannot answer in a
/// lab (the target's kernel answers Neighbor Solicitations only for addresses it holds, and a sweep of
/// unresolved on-link addresses overflows the scanner's neighbour table, the very reason raw avoids
/// it), so the on-link case adds the target's own address, on-link, to the routed /112.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(60_000)]
public sealed class AutoBroadcasterLabTests
{
    private const string Swept = "2001:db8:100::/112";

    [Test]
    public async Task Auto_takes_the_layer_2_path_in_the_routed_lab_soliciting_the_gateway_and_finds_the_whole_slash_112(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();
        WaitUntilTheGatewayAnswersSolicitations(lab);
        // Without the lab's permanent entry the kernel does not know the gateway: auto must ask it.
        lab.ExecInScanner("ip", "-6", "neigh", "del", NetnsLab.TargetAddress, "dev", NetnsLab.ScannerInterface);

        var (events, lines) = await ScanAsync(lab, ModuleInLab.ScanOptions(Swept), cancellationToken);

        var summary = events.OfType<ScanFinished>().Single().Summary;
        var alive = events.OfType<HostAlive>().Select(a => a.Address).Distinct().Count();
        TestContext.Out.WriteLine($"auto, routed: {summary.ProbesSent} probes in {summary.SendDuration.TotalSeconds:F2} s, {alive} alive; {string.Join(" | ", lines.Where(l => l.Contains("Broadcaster auto", StringComparison.Ordinal)))}");
        Assert.Multiple(() =>
        {
            Assert.That(lines.Where(l => l.Contains(AutoProbeBroadcaster.LinePrefix, StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1)
                .And.One.Contains($"layer-2 path on {NetnsLab.ScannerInterface} via gateway {NetnsLab.TargetAddress} ({NetnsLab.TargetMac}, answered our Neighbor Solicitation)"));
            Assert.That(lines, Has.One.Contains("Layer-2 path on wsa0: frames from 2001:db8:1::1"), "the frame lanes opened");
            Assert.That(summary.ProbesSent, Is.EqualTo(65_536UL));
            Assert.That(summary.SendFailures, Is.Zero);
            Assert.That(alive, Is.EqualTo(65_536), "the whole /112");
            Assert.That(events.OfType<HostAlive>().Count(), Is.EqualTo(65_536), "each once");
        });
    }

    [Test]
    public async Task Auto_takes_the_raw_socket_when_a_prefix_is_on_link_and_finds_the_whole_slash_112(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();
        var options = ModuleInLab.ScanOptions(Swept);
        options = options with { Targets = options.Targets! with { Include = [Ipv6Prefix.Parse(Swept), Ipv6Prefix.Parse(NetnsLab.TargetAddress + "/128")] } };

        var (events, lines) = await ScanAsync(lab, options, cancellationToken);

        var summary = events.OfType<ScanFinished>().Single().Summary;
        var alive = events.OfType<HostAlive>().Select(a => a.Address).ToHashSet();
        TestContext.Out.WriteLine($"auto, on-link: {summary.ProbesSent} probes in {summary.SendDuration.TotalSeconds:F2} s, {alive.Count} alive");
        Assert.Multiple(() =>
        {
            Assert.That(lines.Where(l => l.Contains(AutoProbeBroadcaster.LinePrefix, StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1)
                .And.One.Contains($"raw socket: {NetnsLab.TargetAddress}/128 is on-link on {NetnsLab.ScannerInterface} (no gateway)"));
            Assert.That(lines, Has.None.Contains("Layer-2 path"), "no frame lane opened");
            Assert.That(summary.ProbesSent, Is.EqualTo(65_537UL));
            Assert.That(alive.Count(a => Ipv6Prefix.Parse(Swept).Contains(a)), Is.EqualTo(65_536), "the whole /112");
            Assert.That(alive, Does.Contain(Ipv6Address.Parse(NetnsLab.TargetAddress)), "and the on-link host");
            Assert.That(events.OfType<HostAlive>().Count(), Is.EqualTo(65_537), "each once");
        });
    }

    [Test]
    public async Task Auto_falls_back_to_the_raw_socket_and_says_why_when_the_gateway_does_not_answer(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();
        // A gateway on the link that nobody holds: the solicitations go unanswered.
        lab.ExecInScanner("ip", "-6", "route", "replace", "2001:db8::/32", "via", "2001:db8:1::99", "dev", NetnsLab.ScannerInterface);
        var options = ModuleInLab.ScanOptions("2001:db8:100::1/128") with { Cooldown = TimeSpan.FromMilliseconds(200) };

        var (events, lines) = await ScanAsync(lab, options, cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.One.Contains(AutoProbeBroadcaster.LinePrefix + "raw socket: the gateway 2001:db8:1::99 on wsa0 is not in the neighbour table and did not answer a Neighbor Solicitation within 1 s"));
            Assert.That(events.OfType<ScanFinished>().Single().Summary.ProbesSent, Is.EqualTo(1UL), "the raw socket took the probe");
        });
    }

    [Test]
    public void L2_refuses_prefixes_behind_two_gateways_naming_each_route()
    {
        using var lab = DenseLab();
        lab.ExecInScanner("ip", "-6", "route", "add", "2001:db8:300::/48", "via", "2001:db8:1::3", "dev", NetnsLab.ScannerInterface);
        var options = ModuleInLab.ScanOptions(Swept) with { Broadcaster = "l2" };
        options = options with { Targets = options.Targets! with { Include = [Ipv6Prefix.Parse(Swept), Ipv6Prefix.Parse("2001:db8:300::/112")] } };

        var error = Assert.Throws<InvalidOperationException>(() => ModuleInLab.Start(lab.Scanner, options, CancellationToken.None).ToListAsync().GetAwaiter().GetResult());

        Assert.That(error!.Message, Does.Contain("do not share one gateway")
            .And.Contain("2001:db8:100::/112 via 2001:db8:1::2 on wsa0")
            .And.Contain("2001:db8:300::/112 via 2001:db8:1::3 on wsa0")
            .And.Contain("use the raw broadcaster"));
    }

    /// <summary>Runs a scan in the lab with its log in a file; returns its events and log lines.</summary>
    private static async Task<(List<DiscoveryEvent> Events, string[] Lines)> ScanAsync(NetnsLab lab, WidescanOptions options, CancellationToken cancellationToken)
    {
        var log = Path.Combine(Path.GetTempPath(), $"widescan-auto-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        try
        {
            var events = await ModuleInLab.RunAsync(lab.Scanner, options with { Log = options.Log with { FilePath = log } }, cancellationToken);
            Assert.That(options.Broadcaster, Is.EqualTo("auto"), "the default broadcaster");
            return (events, File.ReadAllLines(log));
        }
        finally
        {
            File.Delete(log);
        }
    }

    /// <summary>
    /// Waits (at most 3 s) until the target's kernel is ready to answer solicitations on its link. A
    /// veth just made is "up" before the kernel's link watch reports its carrier (measured: 0.96-1.0 s
    /// after the lab was made); until then IPv6 ignores solicitations on it, and the sign it is done is
    /// the link-local address it then adds. A real gateway is long past this.
    /// </summary>
    private static void WaitUntilTheGatewayAnswersSolicitations(NetnsLab lab)
    {
        const int tentative = 0x40; // IFA_F_TENTATIVE, the fifth field of if_inet6
        var started = DateTime.UtcNow;
        var deadline = started + TimeSpan.FromSeconds(3);
        while (true)
        {
            var ready = lab.InTarget(() => File.ReadAllLines("/proc/thread-self/net/if_inet6"))
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Any(f => f is [var address, _, _, _, var flags, var name] && address.StartsWith("fe80", StringComparison.Ordinal)
                    && name == NetnsLab.TargetInterface && (Convert.ToInt32(flags, 16) & tentative) == 0);
            if (ready)
            {
                TestContext.Out.WriteLine($"the target's link was ready after {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms");
                return;
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{NetnsLab.TargetInterface} got no link-local address within 3 s");
            Thread.Sleep(20);
        }
    }

    private static NetnsLab DenseLab() => NetnsLab.Dense(Swept);
}
