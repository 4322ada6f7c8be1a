using Widescan.Contracts;
using Widescan.Plugin.Discovery;
using Widescan.Tests.Lab;
using Widescan.Tests.Support;

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
    /// <summary>The dense /112 the target's kernel answers in full.</summary>
    private const string Swept = "2001:db8:100::/112";

    [Test]
    public async Task A_slash_112_answered_by_the_kernel_is_found_entirely_each_address_once(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();

        var events = await ModuleInLab.RunAsync(lab.Scanner, ModuleInLab.ScanOptions(Swept), cancellationToken);

        var alive = events.OfType<HostAlive>().ToList();
        var summary = events.OfType<ScanFinished>().Single().Summary;
        TestContext.Out.WriteLine($"sent {summary.ProbesSent} in {summary.Duration.TotalSeconds:F2} s, {alive.Count} alive, {summary.Ignored} ignored, {summary.PacketsReceived} received");
        var prefix = Ipv6Prefix.Parse(Swept);
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

    [Test]
    public async Task Three_probes_per_target_find_at_least_99_percent_through_20_percent_loss(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();
        lab.DropEchoRequests(20);

        var options = ModuleInLab.ScanOptions(Swept) with { ProbesPerTarget = 3, ProbeInterval = TimeSpan.FromMilliseconds(500) };
        var events = await ModuleInLab.RunAsync(lab.Scanner, options, cancellationToken);

        var found = events.OfType<HostAlive>().Select(a => a.Address).Distinct().Count();
        var summary = events.OfType<ScanFinished>().Single().Summary;
        TestContext.Out.WriteLine($"20% loss, 3 probes: {found} of 65536 found ({100.0 * found / 65_536:F2}%), {summary.ProbesSent} probes in {summary.Duration.TotalSeconds:F1} s");
        Assert.Multiple(() =>
        {
            Assert.That(summary.ProbesSent, Is.EqualTo(3UL * 65_536));
            Assert.That(found, Is.GreaterThanOrEqualTo((int)(0.99 * 65_536)), "at least 99% found (1 - 0.2^3 = 99.2% expected)");
            Assert.That(found, Is.LessThan(65_536), "the loss rule dropped nothing: the test would prove nothing");
            Assert.That(events.OfType<HostAlive>().Count(), Is.EqualTo(found), "each host reported once");
        });
    }

    [Test]
    public async Task Nothing_goes_to_an_excluded_address_or_beyond_the_probe_cap(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();
        using var capture = TargetCapture.Start(lab);

        var excluded = new[] { Ipv6Prefix.Parse("2001:db8:100::/117"), Ipv6Prefix.Parse("2001:db8:100::ff00/120"), Ipv6Prefix.Parse("2001:db8:100::1234/128") };
        var baseOptions = ModuleInLab.ScanOptions(Swept);
        var options = baseOptions with { Targets = baseOptions.Targets! with { Exclude = excluded } };
        const int planned = 65_536 - 2048 - 256 - 1;
        var events = await ModuleInLab.RunAsync(lab.Scanner, options, cancellationToken);
        capture.WaitFor(planned, TimeSpan.FromSeconds(3));
        var first = capture.Requests;

        // The same scan capped far below its size.
        var capped = await ModuleInLab.RunAsync(lab.Scanner, options with { MaxProbes = 1_000 }, cancellationToken);
        capture.WaitFor(planned + 1_000, TimeSpan.FromSeconds(3));
        Thread.Sleep(300);
        var second = capture.Requests.Skip(first.Count).ToList();

        // Reserved space without --allow-reserved: 2001:db8::/32 is on the default blocklist.
        var blocked = await ModuleInLab.RunAsync(lab.Scanner, options with { Targets = options.Targets with { AllowReserved = false } }, cancellationToken);
        Thread.Sleep(300);
        var third = capture.Requests.Skip(first.Count + second.Count).ToList();

        var prefix = Ipv6Prefix.Parse(Swept);
        Assert.Multiple(() =>
        {
            Assert.That(capture.KernelDropped, Is.Zero, "the capture lost frames: its counts prove nothing");
            Assert.That(first, Has.Count.EqualTo(planned), "every planned target once on the wire");
            Assert.That(first.Select(r => r.Destination).Distinct().Count(), Is.EqualTo(planned));
            Assert.That(first.Where(r => !prefix.Contains(r.Destination) || excluded.Any(e => e.Contains(r.Destination))), Is.Empty,
                "a probe went to an excluded address or outside the prefix");
            Assert.That(events.OfType<HostAlive>().Count(), Is.EqualTo(planned));
            Assert.That(second, Has.Count.EqualTo(1_000), "the cap is exact on the wire");
            Assert.That(capped.OfType<ScanFinished>().Single().Summary.ProbesSent, Is.EqualTo(1_000UL));
            Assert.That(second.Where(r => excluded.Any(e => e.Contains(r.Destination))), Is.Empty);
            Assert.That(third, Is.Empty, "blocklisted space was probed");
            Assert.That(blocked.OfType<ScanFinished>().Single().Summary.ProbesSent, Is.Zero);
        });
    }

    [TestCase(1_000)]
    [TestCase(20_000)]
    public async Task The_send_rate_on_the_wire_is_within_5_percent_of_the_rate_asked(int rate, CancellationToken cancellationToken)
    {
        using var lab = DenseLab();
        using var capture = TargetCapture.Start(lab);
        using var pauses = PauseWatch.Start(TimeSpan.FromMilliseconds(20));

        // About three seconds of sending at either rate.
        var probes = rate * 3;
        var options = ModuleInLab.ScanOptions(Swept, rate) with { MaxProbes = (ulong)probes, Cooldown = TimeSpan.FromMilliseconds(200) };
        await ModuleInLab.RunAsync(lab.Scanner, options, cancellationToken);
        capture.WaitFor(probes, TimeSpan.FromSeconds(3));

        var requests = capture.Requests;
        var span = (requests[^1].Time - requests[0].Time).TotalSeconds;

        // The pacer banks 50 ms (TokenBucket): a sender held off the CPU longer than that loses the
        // rest, and on this shared 2-core VM the sending thread is sometimes held off for 50 to 800 ms
        // once or twice in a run (at any point of it). The pacing is judged on the time the sender
        // had: the span less those stalls' excess over the bank (the banked 50 ms go out at once after
        // one). A stall the machine explains (PauseWatch's idle threads were held off at the same time)
        // is reported; the rest is the sender's own lag, and bounded, so a sender that keeps falling
        // behind fails.
        const double bank = 0.05;
        var stalls = Enumerable.Range(1, requests.Count - 1)
            .Select(i => (From: requests[i - 1].Time, To: requests[i].Time))
            .Where(gap => (gap.To - gap.From).TotalSeconds > bank)
            .Select(gap => (Excess: (gap.To - gap.From).TotalSeconds - bank, Paused: pauses.Covered(gap.From, gap.To).TotalSeconds))
            .ToList();
        var measured = (requests.Count - 1) / (span - stalls.Sum(s => s.Excess));
        var unexplained = stalls.Sum(s => Math.Max(0, s.Excess - s.Paused));
        TestContext.Out.WriteLine($"asked {rate} pps: {requests.Count} probes over {span:F3} s on the wire, {stalls.Count} stall(s) with {stalls.Sum(s => s.Excess) * 1000:F0} ms past the bank " +
            $"({stalls.Sum(s => Math.Min(s.Excess, s.Paused)) * 1000:F0} ms of it the machine paused, {unexplained * 1000:F0} ms the sender's own) = {measured:F0} pps ({100 * (measured - rate) / rate:+0.00;-0.00}%) outside them, " +
            $"{(requests.Count - 1) / span:F0} pps overall; {pauses.Pauses.Count} pause(s) seen by the watch");
        Assert.Multiple(() =>
        {
            Assert.That(requests, Has.Count.EqualTo(probes));
            Assert.That(measured, Is.EqualTo(rate).Within(5).Percent);
            Assert.That(unexplained, Is.LessThan(0.5), "the sender fell behind by more than half a second in all while the machine ran");
        });
    }

    [Test]
    public async Task A_cancelled_scan_resumes_from_its_state_covering_the_space_with_no_repeat_beyond_one_batch(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();
        using var capture = TargetCapture.Start(lab);
        var statePath = Path.Combine(Path.GetTempPath(), $"widescan-state-{Environment.ProcessId}.json");
        File.Delete(statePath);

        try
        {
            // 20,000 pps: the /112 takes ~3.3 s; cancel at the first progress report (~1 s in), once
            // some probes went out however slowly the run started.
            var options = ModuleInLab.ScanOptions(Swept, 20_000) with { StatePath = statePath, Cooldown = TimeSpan.FromMilliseconds(500) };
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var running = ModuleInLab.Start(lab.Scanner, options, cancel.Token);
            var first = await running.ToListAsync(e =>
            {
                if (e is ProgressReported { Progress.Cursor: > 0 })
                    cancel.Cancel();
            });
            var firstSummary = first.OfType<ScanFinished>().Single().Summary;
            var state = ScanState.Load(statePath);

            var resumed = await ModuleInLab.RunAsync(lab.Scanner, options with { Targets = state.ResumeFrom(options.Targets!) }, cancellationToken);
            var secondSummary = resumed.OfType<ScanFinished>().Single().Summary;
            capture.WaitFor((int)(firstSummary.ProbesSent + secondSummary.ProbesSent), TimeSpan.FromSeconds(3));

            var probed = capture.Requests.GroupBy(r => r.Destination).ToDictionary(g => g.Key, g => g.Count());
            var twice = probed.Count(p => p.Value > 1);
            var batch = 20_000 / 10; // the pipeline's batch at this rate: ~0.1 s of sending
            var alive = first.Concat(resumed).OfType<HostAlive>().Select(a => a.Address).ToHashSet();
            TestContext.Out.WriteLine($"cancelled at cursor {state.Cursor} of {state.Positions} after {firstSummary.ProbesSent} probes; resumed with {secondSummary.ProbesSent}; {probed.Count} distinct probed, {twice} twice");
            Assert.Multiple(() =>
            {
                Assert.That(firstSummary.Cancelled, Is.True);
                Assert.That(first[^1], Is.InstanceOf<ScanFinished>(), "a cancelled run still ends with its summary");
                Assert.That(state.Cursor, Is.EqualTo(firstSummary.Cursor));
                Assert.That(state.Cursor, Is.GreaterThan(0UL).And.LessThan(state.Positions));
                Assert.That(secondSummary.Cursor, Is.EqualTo(secondSummary.Positions), "the resumed run finished the shard");
                Assert.That(ScanState.Load(statePath).Cursor, Is.EqualTo(state.Positions), "the state says the scan is complete");
                Assert.That(capture.KernelDropped, Is.Zero);
                Assert.That(probed, Has.Count.EqualTo(65_536), "every address probed");
                Assert.That(twice, Is.LessThanOrEqualTo(batch), "no address probed twice outside the last in-flight batch");
                Assert.That(alive, Has.Count.EqualTo(65_536), "every address found across the two runs");
            });
        }
        finally
        {
            File.Delete(statePath);
        }
    }

    [Test]
    public async Task An_on_link_sweep_that_fills_the_neighbour_table_backs_off_and_counts_every_probe(CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();

        // On-link from the scanner and owned by nobody: each probe leaves an INCOMPLETE neighbour
        // entry, and after ~512 of them the kernel answers ENOBUFS.
        var options = ModuleInLab.ScanOptions("2001:db8:1::1:0/116") with { Cooldown = TimeSpan.FromMilliseconds(200) };
        var events = await ModuleInLab.RunAsync(lab.Scanner, options, cancellationToken);

        var summary = events.OfType<ScanFinished>().Single().Summary;
        TestContext.Out.WriteLine($"on-link /116: {summary.ProbesSent} sent, {summary.SendFailures} failed, in {summary.SendDuration.TotalSeconds:F1} s");
        Assert.Multiple(() =>
        {
            Assert.That(summary.ProbesSent + summary.SendFailures, Is.EqualTo(4_096UL), "every probe sent or counted as failed");
            Assert.That(summary.SendFailures, Is.GreaterThan(0UL), "the neighbour table never filled: no ENOBUFS to handle");
            Assert.That(summary.ProbesSent, Is.GreaterThanOrEqualTo(256UL));
            Assert.That(summary.Cancelled, Is.False);
            Assert.That(events.OfType<HostAlive>(), Is.Empty);
        });
    }

    [Test]
    public async Task A_host_that_stops_reading_early_stops_the_run_without_hanging(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();

        // The host takes ten results and leaves the loop while the run is still sending.
        var running = ModuleInLab.Start(lab.Scanner, ModuleInLab.ScanOptions(Swept, 20_000), cancellationToken);
        var taken = 0;
        var stopped = running.TakeAsync(e => e is HostAlive && ++taken == 10);
        var finished = await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(20), cancellationToken));
        Assert.That(finished, Is.SameAs(stopped), "leaving the loop early hung the run");
        Assert.That(taken, Is.EqualTo(10));
    }

    [Test]
    public async Task Two_runs_at_once_in_one_process_each_log_to_their_own_file(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();
        var listenLog = Path.Combine(Path.GetTempPath(), $"widescan-listen-{Environment.ProcessId}.log");
        var scanLog = Path.Combine(Path.GetTempPath(), $"widescan-scan-{Environment.ProcessId}.log");
        try
        {
            // A listener that outlives a scan, as in a P2P client: the scan's logger is gone by the
            // time the listener writes its last lines.
            var listener = ModuleInLab.Start(lab.Target, new WidescanOptions
            {
                ListenOnly = true,
                ListenDuration = TimeSpan.FromSeconds(4),
                Log = new LogOptions { Console = false, FilePath = listenLog },
            }, cancellationToken);
            var scan = ModuleInLab.ScanOptions(NetnsLab.TargetAddress + "/128") with { Log = new LogOptions { Console = false, FilePath = scanLog } };
            var scanned = await ModuleInLab.RunAsync(lab.Scanner, scan, cancellationToken);
            var heard = await listener.ToListAsync();

            var listenLines = File.ReadAllLines(listenLog);
            var scanLines = File.ReadAllLines(scanLog);
            Assert.Multiple(() =>
            {
                Assert.That(scanned.OfType<PeerDiscovered>().Count(), Is.EqualTo(1), "the scan found the listener");
                Assert.That(heard.OfType<ProbeReceived>().Count(), Is.EqualTo(1), "the listener saw the scan");
                Assert.That(listenLines, Has.Some.Contains("Listening with raw").And.Some.Contains("Finished"), "the listener's own lines, its last included");
                Assert.That(listenLines, Has.None.Contains("Scanning"), "the scan's lines went to the listener's file");
                Assert.That(scanLines, Has.Some.Contains("Scanning").And.Some.Contains("Finished"));
                Assert.That(scanLines.Count(l => l.Contains("Finished", StringComparison.Ordinal)), Is.EqualTo(1), "the listener's lines went to the scan's file");
            });
        }
        finally
        {
            File.Delete(listenLog);
            File.Delete(scanLog);
        }
    }

    [Test]
    public async Task When_libpcap_cannot_capture_the_listener_says_so_and_falls_back_to_a_raw_socket(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();
        lab.AddDownInterface("wsdown0");
        var log = Path.Combine(Path.GetTempPath(), $"widescan-fallback-{Environment.ProcessId}.log");
        try
        {
            var events = await ModuleInLab.RunAsync(lab.Scanner, new WidescanOptions
            {
                ListenOnly = true,
                ListenDuration = TimeSpan.FromMilliseconds(500),
                Interface = "wsdown0",
                Listener = "capture",
                Log = new LogOptions { Console = false, FilePath = log },
            }, cancellationToken);

            var lines = File.ReadAllLines(log);
            Assert.Multiple(() =>
            {
                Assert.That(events[^1], Is.InstanceOf<ScanFinished>());
                Assert.That(lines, Has.Some.Contains("WRN Capture with libpcap is unavailable").And.Contains("wsdown0"));
                Assert.That(lines, Has.Some.Contains("Listening with capture: raw ICMPv6 socket on wsdown0"));
            });
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Test]
    public async Task The_layer_2_path_sends_frames_to_the_gateway_and_finds_the_whole_slash_112(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();
        var options = ModuleInLab.ScanOptions(Swept) with { Broadcaster = "l2" };
        var events = await ModuleInLab.RunAsync(lab.Scanner, options, cancellationToken);

        var alive = events.OfType<HostAlive>().Select(a => a.Address).Distinct().Count();
        var summary = events.OfType<ScanFinished>().Single().Summary;
        TestContext.Out.WriteLine($"layer 2: {summary.ProbesSent} frames in {summary.SendDuration.TotalSeconds:F2} s, {alive} alive");
        Assert.Multiple(() =>
        {
            Assert.That(summary.ProbesSent, Is.EqualTo(65_536UL));
            Assert.That(summary.SendFailures, Is.Zero);
            Assert.That(alive, Is.EqualTo(65_536), "every frame reached the target with a checksum its kernel accepted");
        });
    }

    [Test]
    public void The_layer_2_path_refuses_an_on_link_prefix_and_names_the_fix()
    {
        using var lab = DenseLab();
        var options = ModuleInLab.ScanOptions("2001:db8:1::1:0/120") with { Broadcaster = "l2" };
        var error = Assert.Throws<InvalidOperationException>(() => ModuleInLab.Start(lab.Scanner, options, CancellationToken.None).ToListAsync().GetAwaiter().GetResult());
        Assert.That(error!.Message, Does.Contain("on-link").And.Contain("use the raw broadcaster"));
    }

    [Test]
    public async Task A_host_that_reads_slowly_still_gets_every_answer_after_a_short_cooldown(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();

        // The host takes its results slowly (a busy consumer): answers back up in the channels and
        // the capture ring while the short cooldown runs out, and must all come out before the end.
        // A small channel stands in for a long scan: the backlog reaches the capture's ring.
        // 20,000 pps (3.3 s of sending) against a host taking 10,000 results a second: at the end
        // the backlog sits in the output, the listener's channel and the capture ring.
        var options = ModuleInLab.ScanOptions(Swept, 20_000) with { Cooldown = TimeSpan.FromMilliseconds(100) };
        var capacity = DiscoveryRun.HeardCapacity;
        DiscoveryRun.HeardCapacity = 256;
        List<DiscoveryEvent> events;
        try
        {
            var running = ModuleInLab.Start(lab.Scanner, options, cancellationToken);
            var seen = 0;
            events = await running.ToListAsync(e =>
            {
                if (e is HostAlive && ++seen % 200 == 0)
                    Thread.Sleep(20);
            });
        }
        finally
        {
            DiscoveryRun.HeardCapacity = capacity;
        }

        var alive = events.OfType<HostAlive>().Select(a => a.Address).Distinct().Count();
        TestContext.Out.WriteLine($"slow host: {alive} of 65536 alive");
        Assert.That(alive, Is.EqualTo(65_536));
    }

    [Test]
    public async Task A_host_too_slow_for_the_capture_ring_is_told_its_answers_were_lost_to_it(CancellationToken cancellationToken)
    {
        using var lab = DenseLab();

        // A small ring and channel, and a host that stalls: the ring overflows while the listener
        // waits on the host. The losses must be counted as the consumer's, and the run incomplete.
        // libpcap's ring tells no fill level, only drops: the pacing acts only once they happened.
        var options = ModuleInLab.ScanOptions(Swept, 20_000) with { Cooldown = TimeSpan.FromMilliseconds(200), Listener = "capture" };
        var (heard, ring) = (DiscoveryRun.HeardCapacity, ListenerRun.CaptureBufferBytes);
        DiscoveryRun.HeardCapacity = 256;
        ListenerRun.CaptureBufferBytes = 256 << 10;
        List<DiscoveryEvent> events;
        try
        {
            var seen = 0;
            events = await ModuleInLab.Start(lab.Scanner, options, cancellationToken).ToListAsync(e =>
            {
                if (e is HostAlive && ++seen % 100 == 0)
                    Thread.Sleep(20);
            });
        }
        finally
        {
            (DiscoveryRun.HeardCapacity, ListenerRun.CaptureBufferBytes) = (heard, ring);
        }

        var alive = events.OfType<HostAlive>().Select(a => a.Address).Distinct().Count();
        var summary = events.OfType<ScanFinished>().Single().Summary;
        TestContext.Out.WriteLine($"slow host: {alive} alive, lost {summary.Lost}, status {summary.Status}");
        Assert.Multiple(() =>
        {
            Assert.That(alive, Is.LessThan(65_536), "the host was not slow enough to lose anything: the test proves nothing");
            Assert.That(summary.Status, Is.EqualTo(DiscoveryStatus.Incomplete));
            Assert.That(summary.Lost.Consumer, Is.GreaterThan(0UL));
            Assert.That((ulong)alive + summary.Lost.Total, Is.GreaterThanOrEqualTo(65_536UL), "every answer is reported or counted lost");
        });
    }

    /// <summary>A lab whose target answers all of <see cref="Swept"/>; root only.</summary>
    private static NetnsLab DenseLab() => NetnsLab.Dense(Swept);
}
