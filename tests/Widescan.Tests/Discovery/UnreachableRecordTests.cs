using System.Text;
using System.Text.Json;
using Widescan.Contracts;
using Widescan.Host.Output;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The <c>unreachable</c> result record (docs/results.md): its JSONL fields in order, the summary's
/// count in the closing record and on the summary line, and a file of them read back by
/// <c>widescan prefixes --type unreachable</c> (the target's prefix, never the router's).
/// </summary>
public class UnreachableRecordTests
{
    private static readonly DateTimeOffset Time = new(2026, 12, 1, 18, 0, 0, 123, TimeSpan.Zero);

    [TestCase((byte)1, (byte)0)]
    [TestCase((byte)1, (byte)3)]
    [TestCase((byte)2, (byte)0)]
    [TestCase((byte)3, (byte)0)]
    [TestCase((byte)4, (byte)1)]
    public void EveryErrorIsOneUnreachableRecordWithTargetRouterTypeAndCode(byte type, byte code)
    {
        var text = Written(ResultFormat.Jsonl, w =>
            w.Write(new TargetUnreachable(Time, Ipv6Address.Parse("2001:db8:9:1:0::77"), Ipv6Address.Parse("2001:db8:9::1"), type, code)));

        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single();
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "type", "address", "router", "icmpType", "code", "time" }));
        Assert.That(root.GetProperty("type").GetString(), Is.EqualTo("unreachable"), "every error type is an unreachable record");
        Assert.That(root.GetProperty("address").GetString(), Is.EqualTo("2001:db8:9:1::77"));
        Assert.That(root.GetProperty("router").GetString(), Is.EqualTo("2001:db8:9::1"));
        Assert.That(root.GetProperty("icmpType").GetInt32(), Is.EqualTo(type));
        Assert.That(root.GetProperty("code").GetInt32(), Is.EqualTo(code));
        Assert.That(root.GetProperty("time").GetString(), Is.EqualTo("2026-12-01T18:00:00.123Z"));
    }

    [Test]
    public void TheSummaryRecordAndLineCountTheUnreachableTargets()
    {
        var summary = new DiscoverySummary { ProbesSent = 256, Alive = 2, Unreachable = 64, Cursor = 256, Positions = 256, Duration = TimeSpan.FromSeconds(2) };
        var text = Written(ResultFormat.Jsonl, w => w.WriteSummary(summary, DiscoveryStatus.Complete, Time));
        using var json = JsonDocument.Parse(text.Trim());
        Assert.That(json.RootElement.GetProperty("unreachable").GetUInt64(), Is.EqualTo(64));
        Assert.That(json.RootElement.GetProperty("alive").GetUInt64(), Is.EqualTo(2));

        var line = SummaryLine.Format("widescan scan", summary, listenOnly: false, statePath: null);
        Assert.That(line, Does.Contain("2 alive, 0 peers, 64 unreachable,"));
    }

    [Test]
    public void LiveHostsOverruledByAnErrorAreCountedInTheSummaryAndNamedOnTheLineOnlyWhenThereAreAny()
    {
        var summary = new DiscoverySummary { ProbesSent = 256, Alive = 2, Unreachable = 64, AliveOverruled = 3, Cursor = 256, Positions = 256, Duration = TimeSpan.FromSeconds(2) };
        var text = Written(ResultFormat.Jsonl, w => w.WriteSummary(summary, DiscoveryStatus.Complete, Time));
        using var json = JsonDocument.Parse(text.Trim());
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(json.RootElement.GetProperty("aliveOverruled").GetUInt64(), Is.EqualTo(3));
        Assert.That(names.IndexOf("aliveOverruled"), Is.EqualTo(names.IndexOf("unreachable") + 1), "beside the count it belongs to");

        Assert.That(SummaryLine.Format("widescan scan", summary, listenOnly: false, statePath: null),
            Does.Contain("2 alive, 0 peers, 64 unreachable (3 of them also answered: not reported alive),"));
        var none = Written(ResultFormat.Jsonl, w => w.WriteSummary(summary with { AliveOverruled = 0 }, DiscoveryStatus.Complete, Time));
        using var zero = JsonDocument.Parse(none.Trim());
        Assert.That(zero.RootElement.GetProperty("aliveOverruled").GetUInt64(), Is.Zero, "always in the record");
        Assert.That(SummaryLine.Format("widescan scan", summary with { AliveOverruled = 0 }, listenOnly: false, statePath: null), Does.Not.Contain("also answered"));
    }

    [Test]
    public void WrittenRecordsRoundTripThroughWidescanPrefixesAsTheTargetsPrefixes()
    {
        var directory = Directory.CreateTempSubdirectory("widescan-unreachable-").FullName;
        try
        {
            var path = Path.Combine(directory, "results.jsonl");
            using (var file = File.Create(path))
            using (var writer = new ResultWriter(file, ResultFormat.Jsonl, flushEachRecord: false))
            {
                var router = Ipv6Address.Parse("2001:db8:ff::1");
                writer.Write(new TargetUnreachable(Time, Ipv6Address.Parse("2001:db8:0:1::5"), router, 1, 0));
                writer.Write(new TargetUnreachable(Time, Ipv6Address.Parse("2001:db8:0:1::6"), router, 1, 1));
                writer.Write(new TargetUnreachable(Time, Ipv6Address.Parse("2001:db8:0:2::5"), router, 3, 0));
                writer.Write(new HostAlive(Time, Ipv6Address.Parse("2001:db8:0:3::1"), TimeSpan.FromMilliseconds(1)));
                writer.WriteSummary(new DiscoverySummary { Unreachable = 3, Alive = 1 }, DiscoveryStatus.Complete, Time);
            }

            var run = CliRun.Run("prefixes", "--from", path, "--type", "unreachable", "--length", "64");
            Assert.That(run.Code, Is.Zero, run.ToString());
            Assert.That(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "2001:db8:0:1::/64", "2001:db8:0:2::/64" }),
                "the targets' /64s, not the router's, and not the alive host's");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Written(ResultFormat format, Action<ResultWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new ResultWriter(stream, format, flushEachRecord: false))
            write(writer);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
