using Widescan.Host.Lab;

namespace Widescan.Tests.Lab;

/// <summary>The demo's judgement and report on canned JSONL, as <c>widescan scan</c> and <c>widescan listen</c> write it.</summary>
[TestFixture]
public sealed class DemoVerdictTests
{
    private const string Time = "\"time\":\"2026-01-01T00:00:00Z\"";
    private static readonly DemoPeer Peer1 = new(1, "wsd-1-1-peer1", "2001:db8:100::7e1e", "wsdp1", 4001, "de405744000000000000000000000001");
    private static readonly DemoPeer Peer2 = new(2, "wsd-1-1-peer2", "2001:db8:100::125e", "wsdp2", 4002, "de405744000000000000000000000002");
    private static readonly DemoExpectation Expected = new(
        ["2001:db8:100::b530", "2001:db8:100::ca0b"], [Peer1, Peer2], "2001:db8:1::1", "de405744000000000000000000000000");

    private static readonly string[] MatchingScan =
    [
        Alive("2001:db8:100::ca0b"),
        // Written differently from the lab's form: compared as addresses, not text.
        Alive("2001:0db8:0100:0000:0000:0000:0000:b530"),
        // A peer's kernel answers the echo request as well; that is no extra host.
        Alive(Peer1.Address),
        PeerLine(Peer1.Address, Peer1.NodeId, Peer1.Port, "answered-probe"),
        PeerLine(Peer2.Address, Peer2.NodeId, Peer2.Port, "announced"),
    ];

    private static readonly string ScannerSeen = PeerLine("2001:db8:1::1", Expected.ScannerNodeId, 4000, "probed-us");

    [Test]
    public void Exactly_the_lab_with_every_listener_seeing_the_scanner_passes()
    {
        var verdict = Judge(MatchingScan, [ScannerSeen], [ScannerSeen]);

        Assert.That(verdict.Differences, Is.Empty);
        Assert.That(verdict.Passed);
        Assert.That(verdict.Listeners.Select(l => l.SawScanner), Is.All.True);
        var report = Report(verdict);
        Assert.That(report, Does.Contain("PASS"));
        Assert.That(report, Does.Contain("2001:db8:100::b530").And.Contain("host 1"));
        Assert.That(report, Does.Contain(Peer2.NodeId).And.Contain("peer 2"));
        Assert.That(report, Does.Contain("0.412"));
    }

    [Test]
    public void A_missing_host_fails_and_is_named()
    {
        var verdict = Judge(MatchingScan.Where(l => !l.Contains("::ca0b", StringComparison.Ordinal)), [ScannerSeen], [ScannerSeen]);

        Assert.That(verdict.Passed, Is.False);
        Assert.That(verdict.Differences, Is.EqualTo(new[] { "host 2 (2001:db8:100::ca0b) was not found alive" }));
        Assert.That(Report(verdict), Does.Contain("FAIL: 1 difference(s)").And.Contain("host 2 (2001:db8:100::ca0b) was not found alive"));
    }

    [Test]
    public void An_extra_host_fails_and_is_marked_in_the_table()
    {
        var verdict = Judge([.. MatchingScan, Alive("2001:db8:100::1")], [ScannerSeen], [ScannerSeen]);

        Assert.That(verdict.Differences, Is.EqualTo(new[] { "2001:db8:100::1 was reported alive but is no host of the lab" }));
        Assert.That(Report(verdict), Does.Contain("NOT IN LAB"));
    }

    [Test]
    public void A_listener_that_did_not_see_the_scanner_fails()
    {
        var verdict = Judge(MatchingScan, [ScannerSeen], [Alive("2001:db8:1::1")]);

        Assert.That(verdict.Differences, Is.EqualTo(new[] { "peer 2's listener did not see the scanner (2001:db8:1::1)" }));
        Assert.That(verdict.Listeners.Select(l => l.SawScanner), Is.EqualTo(new[] { true, false }));
        Assert.That(Report(verdict), Does.Contain("peer 2 (2001:db8:100::125e): did NOT see the scanner"));
    }

    [Test]
    public void A_peer_seen_only_alive_or_with_the_wrong_identity_fails()
    {
        string[] scan =
        [
            Alive("2001:db8:100::b530"), Alive("2001:db8:100::ca0b"), Alive(Peer1.Address),
            PeerLine(Peer2.Address, "de405744000000000000000000000009", 4009, "answered-probe"),
        ];
        var verdict = Judge(scan, [ScannerSeen], [ScannerSeen]);

        Assert.That(verdict.Differences, Is.EquivalentTo(new[]
        {
            "peer 1 (2001:db8:100::7e1e) was not found as a peer; it was seen only as alive",
            "peer 2 (2001:db8:100::125e) announced node id de405744000000000000000000000009, expected de405744000000000000000000000002",
            "peer 2 (2001:db8:100::125e) announced port 4009, expected 4002",
        }));
    }

    [Test]
    public void Duplicates_and_unreadable_lines_are_differences_and_other_types_are_skipped()
    {
        var problems = new List<string>();
        var records = ScanRecord.ReadAll([.. MatchingScan, Alive("2001:db8:100::ca0b"), "{\"type\":\"stats\",\"sent\":5}", "not json", "{\"type\":\"alive\"}"], "scan", problems);

        Assert.That(records, Has.Count.EqualTo(MatchingScan.Length + 1));
        Assert.That(problems, Has.Count.EqualTo(2));
        Assert.That(problems[0], Does.StartWith("scan line 8: not JSON"));
        Assert.That(problems[1], Is.EqualTo("scan line 9: a \"alive\" line without a valid \"address\""));
        var verdict = DemoVerdict.Judge(Expected, records, Listeners([ScannerSeen], [ScannerSeen]), problems);
        Assert.That(verdict.Differences, Does.Contain("2001:db8:100::ca0b was reported alive 2 times"));
    }

    private static DemoVerdict Judge(IEnumerable<string> scan, string[] listener1, string[] listener2)
    {
        var problems = new List<string>();
        var records = ScanRecord.ReadAll(scan, "scan", problems);
        Assert.That(problems, Is.Empty);
        return DemoVerdict.Judge(Expected, records, Listeners(listener1, listener2), problems);
    }

    private static Dictionary<int, IReadOnlyList<ScanRecord>> Listeners(string[] listener1, string[] listener2)
    {
        var problems = new List<string>();
        var seen = new Dictionary<int, IReadOnlyList<ScanRecord>>
        {
            [1] = ScanRecord.ReadAll(listener1, "peer 1", problems),
            [2] = ScanRecord.ReadAll(listener2, "peer 2", problems),
        };
        Assert.That(problems, Is.Empty);
        return seen;
    }

    private static string Report(DemoVerdict verdict)
    {
        using var writer = new StringWriter();
        DemoReport.WriteResults(writer, Expected, verdict);
        TestContext.Out.WriteLine(writer.ToString());
        return writer.ToString();
    }

    private static string Alive(string address) => $"{{\"type\":\"alive\",\"address\":\"{address}\",\"rttMs\":0.412,{Time}}}";

    private static string PeerLine(string address, string nodeId, int port, string how) =>
        $"{{\"type\":\"peer\",\"address\":\"{address}\",\"rttMs\":0.5,{Time},\"nodeId\":\"{nodeId}\",\"port\":{port},\"authenticated\":false,\"how\":\"{how}\"}}";
}
