using Widescan.Host.Output;

namespace Widescan.Tests.Discovery;

/// <summary>A resume cuts off the half-written last line a crash or a full disk left.</summary>
public class TornTailTests
{
    [TestCase("{\"type\":\"alive\"}\n{\"type\":\"al", "{\"type\":\"alive\"}\n", 11)]
    [TestCase("{\"type\":\"alive\"}\n", "{\"type\":\"alive\"}\n", 0)]
    [TestCase("{\"type\":\"ali", "", 12)]
    [TestCase("type,address\nalive,2001:db8::1,0.1", "type,address\n", 21)]
    [TestCase("", "", 0)]
    public void TheTornTailIsCutAndCounted(string before, string after, int removed)
    {
        var path = Path.Combine(Path.GetTempPath(), $"widescan-torn-{Guid.NewGuid():n}");
        File.WriteAllText(path, before);
        try
        {
            Assert.That(TornTail.Repair(path), Is.EqualTo(removed));
            Assert.That(File.ReadAllText(path), Is.EqualTo(after));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void AResumedOutputIsRepairedBeforeTheFirstAppend()
    {
        var path = Path.Combine(Path.GetTempPath(), $"widescan-torn-{Guid.NewGuid():n}.jsonl");
        File.WriteAllText(path, "{\"type\":\"alive\",\"address\":\"2001:db8::1\"}\n{\"type\":\"alive\",\"addr");
        try
        {
            using (var stream = ResultDestination.Open(new FileInfo(path), append: true, TextWriter.Null, out _))
            using (var writer = new ResultWriter(stream, ResultFormat.Jsonl, flushEachRecord: false))
                writer.Write(new Widescan.Contracts.HostAlive(DateTimeOffset.UnixEpoch, 2, TimeSpan.Zero));
            var lines = File.ReadAllLines(path);
            Assert.That(lines, Has.Length.EqualTo(2));
            Assert.That(lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("address").GetString()), Is.EqualTo(new[] { "2001:db8::1", "::2" }));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
