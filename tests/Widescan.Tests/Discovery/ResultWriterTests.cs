using System.Text;
using System.Text.Json;
using Widescan.Contracts;
using Widescan.Host.Output;
using Widescan.Tests.Transport;

namespace Widescan.Tests.Discovery;

public class ResultWriterTests
{
    private static readonly DateTimeOffset Time = new(2026, 12, 1, 18, 0, 0, 123, TimeSpan.Zero);
    private static readonly NodeId Node = NodeId.Parse("00112233445566778899aabbccddeeff");

    [Test]
    public void AnAliveHostIsOneJsonObjectWithCanonicalAddressMillisecondTimeAndThreeDecimalRtt()
    {
        var lines = Jsonl(w => w.Write(new HostAlive(Time.ToOffset(TimeSpan.FromHours(2)), Ipv6Address.Parse("2001:0DB8:0000::0001"), TimeSpan.FromTicks(4_120))));

        Assert.That(lines, Has.Count.EqualTo(1));
        using var json = JsonDocument.Parse(lines[0]);
        var root = json.RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "type", "address", "rttMs", "time" }));
        Assert.That(root.GetProperty("type").GetString(), Is.EqualTo("alive"));
        Assert.That(root.GetProperty("address").GetString(), Is.EqualTo("2001:db8::1"));
        Assert.That(root.GetProperty("rttMs").GetRawText(), Is.EqualTo("0.412"));
        Assert.That(root.GetProperty("time").GetString(), Is.EqualTo("2026-12-01T18:00:00.123Z"), "UTC, whatever the event's offset");
    }

    [TestCase(15_000L, "1.500")]
    [TestCase(4L, "0.000")]
    [TestCase(123_456_789L, "12345.679")]
    [TestCase(0L, "0.000")]
    public void RoundTripsHaveExactlyThreeDecimals(long ticks, string expected)
    {
        var lines = Jsonl(w => w.Write(new HostAlive(Time, 1, TimeSpan.FromTicks(ticks))));
        using var json = JsonDocument.Parse(lines[0]);
        Assert.That(json.RootElement.GetProperty("rttMs").GetRawText(), Is.EqualTo(expected));
        Assert.That(json.RootElement.GetProperty("rttMs").GetDouble(), Is.EqualTo(ticks / 10_000.0).Within(0.0005));
    }

    [Test]
    public void APeerCarriesItsIdentityPortAuthenticationMethodAndBase64AppData()
    {
        byte[] appData = [0xfb, 0xff, (byte)'h', (byte)'i'];
        var lines = Jsonl(w => w.Write(new PeerDiscovered(Time, Ipv6Address.Parse("2001:db8:0:0:1::2"), Node, 4242,
            PeerDiscoveryMethod.AnsweredProbe, true, appData, TimeSpan.FromTicks(20_006))));

        using var json = JsonDocument.Parse(lines.Single());
        var root = json.RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name),
            Is.EqualTo(new[] { "type", "address", "rttMs", "time", "nodeId", "port", "authenticated", "how", "appData" }));
        Assert.That(root.GetProperty("type").GetString(), Is.EqualTo("peer"));
        Assert.That(root.GetProperty("address").GetString(), Is.EqualTo("2001:db8::1:0:0:2"));
        Assert.That(root.GetProperty("rttMs").GetRawText(), Is.EqualTo("2.001"));
        Assert.That(root.GetProperty("time").GetString(), Is.EqualTo("2026-12-01T18:00:00.123Z"));
        Assert.That(root.GetProperty("nodeId").GetString(), Is.EqualTo("00112233445566778899aabbccddeeff"));
        Assert.That(root.GetProperty("port").GetInt32(), Is.EqualTo(4242));
        Assert.That(root.GetProperty("authenticated").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("how").GetString(), Is.EqualTo("answered-probe"));
        Assert.That(root.GetProperty("appData").GetBytesFromBase64(), Is.EqualTo(appData));
        Assert.That(lines[0], Does.Contain("\"appData\":\"+/9oaQ==\""), "base64 as is, '+' and '/' not escaped");
    }

    [Test]
    public void APeerThatProbedUsHasANullRttAndNoAppDataField()
    {
        var lines = Jsonl(w =>
        {
            w.Write(new PeerDiscovered(Time, 2, new NodeId(1), 0, PeerDiscoveryMethod.ProbedUs, false, ReadOnlyMemory<byte>.Empty, null));
            w.Write(new PeerDiscovered(Time, 3, new NodeId(2), 1, PeerDiscoveryMethod.Announced, false, ReadOnlyMemory<byte>.Empty, null));
        });

        Assert.That(lines, Has.Count.EqualTo(2));
        using var first = JsonDocument.Parse(lines[0]);
        Assert.That(first.RootElement.GetProperty("rttMs").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(first.RootElement.TryGetProperty("appData", out _), Is.False, "empty application data is omitted");
        Assert.That(first.RootElement.GetProperty("authenticated").GetBoolean(), Is.False);
        Assert.That(first.RootElement.GetProperty("how").GetString(), Is.EqualTo("probed-us"));
        Assert.That(first.RootElement.GetProperty("nodeId").GetString(), Is.EqualTo("00000000000000000000000000000001"));
        using var second = JsonDocument.Parse(lines[1]);
        Assert.That(second.RootElement.GetProperty("how").GetString(), Is.EqualTo("announced"));
        Assert.That(second.RootElement.GetProperty("address").GetString(), Is.EqualTo("::3"));
    }

    [Test]
    public void CsvHasTheHeaderAndEmptyFieldsWhereNotApplicable()
    {
        var text = Written(ResultFormat.Csv, w =>
        {
            w.Write(new HostAlive(Time, Ipv6Address.Parse("2001:db8::1"), TimeSpan.FromTicks(4_120)));
            w.Write(new PeerDiscovered(Time, Ipv6Address.Parse("2001:db8::2"), Node, 4242, PeerDiscoveryMethod.Announced, true, new byte[] { 1 }, null));
            w.Write(new PeerDiscovered(Time, Ipv6Address.Parse("2001:db8::3"), Node, 7, PeerDiscoveryMethod.AnsweredProbe, false, ReadOnlyMemory<byte>.Empty, TimeSpan.FromMilliseconds(3)));
            w.Write(new TargetUnreachable(Time, Ipv6Address.Parse("2001:db8::4"), Ipv6Address.Parse("2001:db8:1::2"), 1, 3));
        });

        Assert.That(text.Split('\n'), Is.EqualTo(new[]
        {
            "type,address,rttMs,time,nodeId,port,authenticated,how,router,icmpType,code",
            "alive,2001:db8::1,0.412,2026-12-01T18:00:00.123Z,,,,,,,",
            "peer,2001:db8::2,,2026-12-01T18:00:00.123Z,00112233445566778899aabbccddeeff,4242,true,announced,,,",
            "peer,2001:db8::3,3.000,2026-12-01T18:00:00.123Z,00112233445566778899aabbccddeeff,7,false,answered-probe,,,",
            "unreachable,2001:db8::4,,2026-12-01T18:00:00.123Z,,,,,2001:db8:1::2,1,3",
            "",
        }));
        Assert.That(text.Split('\n').Take(5).Select(l => l.Split(',').Length), Is.All.EqualTo(11), "every line has the header's columns");
    }

    [Test]
    public void ALiveDestinationGetsEachRecordAtOnceAFileAtMostEvery100Ms()
    {
        var alive = new HostAlive(Time, 1, TimeSpan.Zero);
        using (var live = new MemoryStream())
        using (var writer = new ResultWriter(live, ResultFormat.Jsonl, flushEachRecord: true))
        {
            writer.Write(alive);
            Assert.That(Encoding.UTF8.GetString(live.ToArray()), Does.StartWith("{\"type\":\"alive\"").And.EndWith("}\n"));
        }

        var clock = new FakeClock();
        using var file = new MemoryStream();
        using var batched = new ResultWriter(file, ResultFormat.Jsonl, flushEachRecord: false, clock);
        batched.Write(alive);
        batched.FlushIfDue();
        Assert.That(file.Length, Is.Zero, "held back within 100 ms");
        clock.Advance(TimeSpan.FromMilliseconds(100));
        batched.FlushIfDue();
        var one = file.Length;
        Assert.That(one, Is.GreaterThan(0), "flushed once 100 ms passed, with no further record needed");
        batched.Write(alive);
        Assert.That(file.Length, Is.EqualTo(one));
        batched.Flush();
        Assert.That(file.Length, Is.EqualTo(2 * one));
        Assert.That(batched.Records, Is.EqualTo(2UL));
    }

    [Test]
    public void AResumedScanAppendsToItsOutputFileWithoutASecondCsvHeader()
    {
        var path = Path.Combine(Path.GetTempPath(), $"widescan-results-{Guid.NewGuid():n}.csv");
        try
        {
            var alive = new HostAlive(Time, 1, TimeSpan.Zero);
            foreach (var append in new[] { false, true })
            {
                using var stream = ResultDestination.Open(new FileInfo(path), append, TextWriter.Null, out var live);
                Assert.That(live, Is.False, "a regular file is flushed in batches");
                using var writer = new ResultWriter(stream, ResultFormat.Csv, live, csvHeader: stream.Length == 0);
                writer.Write(alive);
            }

            Assert.That(File.ReadAllLines(path), Is.EqualTo(new[]
            {
                ResultWriter.CsvHeader, "alive,::1,0.000,2026-12-01T18:00:00.123Z,,,,,,,", "alive,::1,0.000,2026-12-01T18:00:00.123Z,,,,,,,",
            }));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<string> Jsonl(Action<ResultWriter> write)
    {
        var text = Written(ResultFormat.Jsonl, write);
        Assert.That(text, Does.EndWith("\n"));
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static string Written(ResultFormat format, Action<ResultWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new ResultWriter(stream, format, flushEachRecord: false))
            write(writer);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>The records a live view reads beside the results: peer-seen, peer-expired, cells (JSONL only).</summary>
public class DashboardRecordTests
{
    private static readonly DateTimeOffset Time = new(2026, 12, 1, 18, 0, 0, 123, TimeSpan.Zero);
    private static readonly NodeId Node = NodeId.Parse("00112233445566778899aabbccddeeff");

    [Test]
    public void PeerSeenAndExpiredCarryFirstAndLastSeen()
    {
        var lines = Jsonl(w =>
        {
            w.Write(new PeerSeen(Time, Ipv6Address.Parse("2001:db8::7"), Node, 4000, PeerDiscoveryMethod.ProbedUs, true, Time.AddMinutes(-5), Time.AddSeconds(-1), 12));
            w.Write(new PeerExpired(Time, Ipv6Address.Parse("2001:db8::7"), Node, Time.AddMinutes(-5), Time.AddMinutes(-1)));
        });

        Assert.That(lines, Is.EqualTo(new[]
        {
            """{"type":"peer-seen","address":"2001:db8::7","nodeId":"00112233445566778899aabbccddeeff","port":4000,"authenticated":true,"how":"probed-us","firstSeen":"2026-12-01T17:55:00.123Z","lastSeen":"2026-12-01T17:59:59.123Z","sightings":12,"time":"2026-12-01T18:00:00.123Z"}""",
            """{"type":"peer-expired","address":"2001:db8::7","nodeId":"00112233445566778899aabbccddeeff","firstSeen":"2026-12-01T17:55:00.123Z","lastSeen":"2026-12-01T17:59:00.123Z","time":"2026-12-01T18:00:00.123Z"}""",
        }));
    }

    [Test]
    public void CellsAreOneArrayPerKindInCellOrder()
    {
        CellCounts[] counts = [new(2, 1, 0, 0, 0), new(2, 0, 1, 0, 0), new(2, 0, 0, 1, 0), new(2, 0, 0, 0, 1)];
        var cells = new CellProgress(Time, [new CellGrid(Ipv6Prefix.Parse("2001:db8::/126"), 128, counts)]);
        Assert.That(Jsonl(w => w.Write(cells)).Single(), Is.EqualTo(
            """{"type":"cells","grids":[{"prefix":"2001:db8::/126","cellLength":128,"probes":[2,2,2,2],"alive":[1,0,0,0],"peers":[0,1,0,0],"unreachable":[0,0,1,0],"aliased":[0,0,0,1]}],"time":"2026-12-01T18:00:00.123Z"}"""));
    }

    [Test]
    public void CsvHasNoneOfThem()
    {
        using var stream = new MemoryStream();
        using (var writer = new ResultWriter(stream, ResultFormat.Csv, flushEachRecord: false, csvHeader: false))
        {
            writer.Write(new PeerExpired(Time, 1, Node, Time, Time));
            Assert.That(writer.Records, Is.Zero);
        }

        Assert.That(stream.Length, Is.Zero);
    }

    [Test]
    public void TheFlagsLandInTheOptionsAndTheirErrorsNameTheFlags()
    {
        var (request, errors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--peer-seen-interval", "5", "--peer-expiry", "30", "--progress-cells", "256");
        Assert.That(errors, Is.Empty);
        Assert.That((request!.Options.PeerSeenInterval, request.Options.PeerExpiry, request.Options.ProgressCells), Is.EqualTo((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), 256)));

        (_, errors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--peer-seen-interval", "60", "--peer-expiry", "30", "--progress-cells", "100");
        Assert.That(errors, Is.EquivalentTo(new[]
        {
            "--peer-expiry 30 s must be at least 2 s and longer than --peer-seen-interval (60 s), or a peer heard steadily would expire",
            "--progress-cells 100 must be 0 (no cell map) or a power of 4 from 4 to 65536 (256, 1024, 4096, ...)",
        }));

        (_, errors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--progress-cells", "256", "--format", "csv");
        Assert.That(errors, Is.EqualTo(new[] { "--progress-cells writes cells records, which only JSONL carries: use --format jsonl, or leave --progress-cells out" }));
    }

    private static List<string> Jsonl(Action<ResultWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new ResultWriter(stream, ResultFormat.Jsonl, flushEachRecord: false))
            write(writer);
        return [.. Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }
}
