using System.Text;
using System.Text.Json;
using Widescan.Contracts;
using Widescan.Host;
using Widescan.Host.Commands;
using Widescan.Host.Output;

namespace Widescan.Tests.Discovery;

/// <summary>What the host does with a module's events and exceptions, played by <see cref="FakeModule"/>.</summary>
public class DiscoveryDriverTests
{
    private static readonly DateTimeOffset Time = new(2026, 12, 1, 18, 0, 0, 123, TimeSpan.Zero);

    private static readonly DiscoverySummary Complete = new()
    {
        ProbesSent = 65_536,
        Alive = 65_536,
        Ignored = 3,
        Cursor = 65_536,
        Positions = 65_536,
        Duration = TimeSpan.FromSeconds(2.52),
        SendDuration = TimeSpan.FromSeconds(1.52),
    };

    [Test]
    public void HostsAndPeersBecomeResultsProbesAndProgressDoNotAndTheSummaryEndsStderr()
    {
        var events = new DiscoveryEvent[]
        {
            new HostAlive(Time, Ipv6Address.Parse("2001:db8::1"), TimeSpan.FromTicks(4_120)),
            new ProbeReceived(Time, Ipv6Address.Parse("2001:db8::9"), new NodeId(9), true),
            new ProgressReported(Time, new ScanProgress(10, 1, 1, 0, 1, 100, 10, 100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9))),
            new PeerDiscovered(Time, Ipv6Address.Parse("2001:db8::2"), new NodeId(2), 4242, PeerDiscoveryMethod.AnsweredProbe, true, "x"u8.ToArray(), TimeSpan.FromMilliseconds(1)),
            new ScanFinished(Time, Complete),
        };

        var (code, results, stderr) = Run(new FakeModule(events), Options());

        Assert.That(code, Is.EqualTo(ExitCodes.Ok), stderr);
        var lines = results.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("type").GetString()), Is.EqualTo(new[] { "run", "alive", "peer", "summary" }),
            "a run record first, the results, the summary last");
        Assert.That(stderr, Is.EqualTo("widescan scan: 65536 probes sent in 1.52 s (43116 pps), run 2.52 s; 65536 alive, 0 peers, 0 unreachable, 0 probes received, 3 ignored; cursor 65536 of 65536 (complete)" + Environment.NewLine));
    }

    [Test]
    public void ACancelledRunExits130AndSaysHowToResume()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var summary = Complete with { Cursor = 1000, Cancelled = true };
        var (code, _, stderr) = Run(new FakeModule([new ScanFinished(Time, summary)]), Options() with { StatePath = "/tmp/scan.state" }, cancel.Token, interrupted: true);

        Assert.That(code, Is.EqualTo(ExitCodes.Interrupted));
        Assert.That(stderr.TrimEnd(), Does.EndWith("cursor 1000 of 65536 (cancelled; resume with --state /tmp/scan.state)"));
    }

    [Test]
    public void AListenEndsWithItsOwnSummary()
    {
        var summary = new DiscoverySummary { Peers = 2, ProbesReceived = 5, PacketsReceived = 9, Ignored = 1, Duration = TimeSpan.FromSeconds(30) };
        var (code, _, stderr) = Run(new FakeModule([new ScanFinished(Time, summary)]), new WidescanOptions { ListenOnly = true }, prefix: "widescan listen");

        Assert.That(code, Is.EqualTo(ExitCodes.Ok));
        Assert.That(stderr.TrimEnd(), Is.EqualTo("widescan listen: listened 30.00 s; 2 peers, 5 probes received, 9 packets, 1 ignored"));
    }

    [Test]
    public void AMissingPrivilegeIsItsMessageOnOneLineAndExit77()
    {
        const string Message = "sending probes needs CAP_NET_RAW: run as root, or grant it to this process alone (docs/deploy.md)";
        var (code, _, stderr) = Run(new FakeModule([], new MissingPrivilegeException("CAP_NET_RAW", Message)), Options());
        Assert.That(code, Is.EqualTo(ExitCodes.NoPermission));
        Assert.That(stderr, Is.EqualTo($"widescan: {Message}{Environment.NewLine}"));

        var (accessCode, _, accessError) = Run(new FakeModule([], new UnauthorizedAccessException("no raw socket") { HResult = 77 }), Options());
        Assert.That(accessCode, Is.EqualTo(ExitCodes.NoPermission));
        Assert.That(accessError, Is.EqualTo($"widescan: no raw socket{Environment.NewLine}"));
    }

    [Test]
    public void InvalidOptionsAreOneLineEachAndExit2()
    {
        var (code, _, stderr) = Run(new FakeModule([], new WidescanOptionsException(["rate 0 must be at least 1 probe per second", "no targets"])), Options());
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(stderr.TrimEnd().Split(Environment.NewLine), Is.EqualTo(new[] { "widescan scan: rate 0 must be at least 1 probe per second", "widescan scan: no targets" }));
    }

    [Test]
    public void AnyOtherFailureIsItsMessageWithoutAStackTraceAndExit1AfterTheResultsSoFar()
    {
        var alive = new HostAlive(Time, 1, TimeSpan.Zero);
        var (code, results, stderr) = Run(new FakeModule([alive], new InvalidOperationException("the capture stopped")), Options());

        Assert.That(code, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Is.EqualTo($"widescan scan: the capture stopped{Environment.NewLine}"));
        Assert.That(results.Split('\n')[1], Does.StartWith("{\"type\":\"alive\""), "what came before the failure is kept, after the run record");

        var (plain, _, _) = Run(new FakeModule([], new UnauthorizedAccessException("denied")), Options());
        Assert.That(plain, Is.EqualTo(ExitCodes.Failure), "an access error without HResult 77 is an ordinary failure");
    }

    [Test]
    public void AModuleThatEndsWithoutItsSummaryIsAFailure()
    {
        var (code, _, stderr) = Run(new FakeModule([]), Options());
        Assert.That(code, Is.EqualTo(ExitCodes.Failure));
        Assert.That(stderr, Does.Contain("without its summary"));
    }

    [Test]
    public void TheProgressLineShowsRateCursorAndEta()
    {
        var text = ProgressLine.Format(new ScanProgress(1234, 10, 7, 1, 2, 43_110.4, 1234, 65_536, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(75)));
        Assert.That(text, Is.EqualTo("sent 1234 (43110 pps), alive 7, peers 1, probed by 2, cursor 1234/65536 (1.9%), ETA 1m15s"));
        Assert.That(ProgressLine.Format(new ScanProgress(0, 3, 0, 1, 2, 0, 0, 0, TimeSpan.FromSeconds(3), null)),
            Is.EqualTo("sent 0 (0 pps), alive 0, peers 1, probed by 2"), "a listen has no cursor nor ETA");
    }

    private static WidescanOptions Options() => new()
    {
        Targets = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/112")], AllowReserved = true },
    };

    private static (int Code, string Results, string Stderr) Run(FakeModule module, WidescanOptions options,
        CancellationToken token = default, bool interrupted = false, string prefix = "widescan scan")
    {
        using var stream = new MemoryStream();
        using var stderr = new StringWriter();
        int code;
        using (var results = new ResultWriter(stream, ResultFormat.Jsonl, flushEachRecord: false))
        {
            var session = new DiscoveryDriver(prefix, stderr, results, progress: null);
            code = session.RunAsync(module, options, token, () => interrupted).GetAwaiter().GetResult();
        }

        Assert.That(module.Options, Is.SameAs(options), "the module gets the options as built");
        return (code, Encoding.UTF8.GetString(stream.ToArray()), stderr.ToString());
    }
}
