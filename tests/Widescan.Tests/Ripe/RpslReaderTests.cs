using System.Globalization;
using System.IO.Pipes;
using System.Text;
using Widescan.Contracts;
using Widescan.Ripe;

namespace Widescan.Tests.Ripe;

public class RpslReaderTests
{
    private static List<(string Class, string Key, int StartLine, string? Error, int ErrorLine, string Text, Dictionary<string, string> First)> ReadAll(RpslReader reader)
    {
        var objects = new List<(string, string, int, string?, int, string, Dictionary<string, string>)>();
        while (reader.Read())
        {
            var obj = reader.Current;
            var first = new Dictionary<string, string>();
            for (var i = 0; i < obj.Count; i++)
                first.TryAdd(obj.Name(i).ToString(), obj.Value(i).ToString());
            objects.Add((obj.Class.ToString(), obj.Key.ToString(), obj.StartLine, obj.Error, obj.ErrorLine, obj.ToString(), first));
        }

        return objects;
    }

    private static RpslReader Reader(byte[] data) => new(new MemoryStream(data));

    private static RpslReader Reader(string text) => Reader(Encoding.UTF8.GetBytes(text));

    [TestCase(false)]
    [TestCase(true)]
    public void ReadsManyOddlyFormattedObjectsExactly(bool gzip)
    {
        var models = RpslFixture.Models(3000);
        var fixture = new RpslFixture(seed: 7);
        foreach (var model in models)
            fixture.Write(model);

        using var reader = Reader(gzip ? fixture.ToGzip() : fixture.ToArray());
        var objects = ReadAll(reader);

        Assert.That(reader.IsGzip, Is.EqualTo(gzip));
        Assert.That(reader.StreamError, Is.Null);
        Assert.That(objects, Has.Count.EqualTo(models.Count));
        for (var i = 0; i < models.Count; i++)
        {
            var (cls, key, startLine, error, _, _, first) = objects[i];
            var model = models[i];
            Assert.Multiple(() =>
            {
                Assert.That(error, Is.Null, $"object {i}");
                Assert.That(cls, Is.EqualTo("inet6num"));
                Assert.That(Ipv6Prefix.Parse(key), Is.EqualTo(model.Prefix), $"object {i}");
                Assert.That(startLine, Is.EqualTo(fixture.StartLines[i]), $"object {i}");
                Assert.That(first["netname"], Is.EqualTo(model.Netname));
                Assert.That(first["descr"], Is.EqualTo(model.Descr), $"object {i}");
                Assert.That(first["country"], Is.EqualTo(model.Country));
                Assert.That(first["status"], Is.EqualTo(model.Status));
                Assert.That(first["org"], Is.EqualTo(model.Org));
                Assert.That(first["mnt-by"], Is.EqualTo(model.MntBy));
                Assert.That(first["source"], Is.EqualTo("RIPE"), "end-of-line comment removed");
                Assert.That(first.TryGetValue("assignment-size", out var size) ? int.Parse(size, CultureInfo.InvariantCulture) : (int?)null,
                    Is.EqualTo(model.AssignmentSize));
            });
        }
    }

    [Test]
    public void DecodesEachLineAsUtf8WhenValidElseLatin1()
    {
        var data = new List<byte>();
        data.AddRange("inet6num: 2001:db8::/32\ndescr: Caf"u8.ToArray());
        data.Add(0xE9); // Latin-1 e-acute: not valid UTF-8 on its own
        data.AddRange(Encoding.UTF8.GetBytes("\ndescr: Zürich\nnetname: M"));
        data.Add(0xFC); // Latin-1 u-umlaut
        data.AddRange("NCHEN\n\n"u8.ToArray());

        using var reader = Reader([.. data]);
        Assert.That(reader.Read(), Is.True);
        var obj = reader.Current;
        Assert.That(obj.Error, Is.Null);
        Assert.That(obj.Value(1).ToString(), Is.EqualTo("Café"));
        Assert.That(obj.Value(2).ToString(), Is.EqualTo("Zürich"));
        Assert.That(obj.Value(3).ToString(), Is.EqualTo("MüNCHEN"));
    }

    [Test]
    public void JoinsContinuationLinesAndNormalisesNamesAndLineEnds()
    {
        const string Text = "INET6NUM:   2001:DB8:0::/32  \r\n" +
            "Descr: first\r\n" +
            " second\r\n" +
            "\tthird   \r\n" +
            "+\r\n" +
            "+ fourth # comment\r\n" +
            "% comment lines inside an object are skipped\r\n" +
            "mnt-by: A-MNT\r\n" +
            "\r\n";
        using var reader = Reader(Text);
        Assert.That(reader.Read(), Is.True);
        var obj = reader.Current;
        Assert.Multiple(() =>
        {
            Assert.That(obj.Error, Is.Null);
            Assert.That(obj.Class.ToString(), Is.EqualTo("inet6num"));
            Assert.That(obj.Key.ToString(), Is.EqualTo("2001:DB8:0::/32"));
            Assert.That(obj.Name(1).ToString(), Is.EqualTo("descr"));
            Assert.That(obj.Value(1).ToString(), Is.EqualTo("first second third fourth"));
            Assert.That(obj.Line(2), Is.EqualTo(8));
            Assert.That(obj.Value(2).ToString(), Is.EqualTo("A-MNT"));
        });
        Assert.That(reader.Read(), Is.False);
    }

    [Test]
    public void ABadLineMakesOnlyItsObjectMalformed()
    {
        const string Text = "inet6num: 2001:db8::/48\nthis line has no colon\nnetname: A\n\n" +
            " continuation with nothing before\nnetname: B\n\n" +
            "net name: C\n\n" +
            "inet6num: 2001:db8:1::/48\nnetname: GOOD\n\n";
        using var reader = Reader(Text);
        var objects = ReadAll(reader);

        Assert.That(objects, Has.Count.EqualTo(4));
        Assert.That(objects[0].Error, Does.Contain("line 2 is not 'attribute: value'"));
        Assert.That(objects[0].ErrorLine, Is.EqualTo(2));
        Assert.That(objects[1].Error, Does.Contain("line 5 continues an attribute"));
        Assert.That(objects[2].ErrorLine, Is.EqualTo(8));
        Assert.That(objects[3].Error, Is.Null);
        Assert.That(objects[3].First["netname"], Is.EqualTo("GOOD"));
        Assert.That(objects[3].StartLine, Is.EqualTo(10));
    }

    [Test]
    public void ATruncatedLastLineMakesTheLastObjectMalformed()
    {
        // "/48" cut to "/4" still parses: only the missing line break shows the cut.
        using var reader = Reader("inet6num: 2001:db8::/48\nnetname: A\n\ninet6num: 2001:db8:1::/4");
        var objects = ReadAll(reader);

        Assert.That(objects, Has.Count.EqualTo(2));
        Assert.That(objects[0].Error, Is.Null);
        Assert.That(objects[1].Error, Does.StartWith("truncated"));
        Assert.That(objects[1].ErrorLine, Is.EqualTo(4));
    }

    [Test]
    public void AnOverlongLineIsSkippedAndReadingGoesOn()
    {
        var text = "inet6num: 2001:db8::/48\ndescr: " + new string('x', RpslReader.MaxLineBytes + 100) + "\n\n" +
            "inet6num: 2001:db8:1::/48\nnetname: AFTER\n\n";
        using var reader = Reader(text);
        var objects = ReadAll(reader);

        Assert.That(objects, Has.Count.EqualTo(2));
        Assert.That(objects[0].Error, Does.Contain("line 2 is longer than"));
        Assert.That(objects[1].Error, Is.Null);
        Assert.That(objects[1].First["netname"], Is.EqualTo("AFTER"));
        Assert.That(objects[1].StartLine, Is.EqualTo(4));
    }

    [Test]
    public void ABrokenGzipMemberIsReportedAndEverythingBeforeItKept()
    {
        var models = RpslFixture.Models(2000);
        var first = new RpslFixture(seed: 1);
        foreach (var model in models.Take(1000))
            first.Write(model);
        var second = new RpslFixture(seed: 2);
        foreach (var model in models.Skip(1000))
            second.Write(model);
        var secondMember = RpslFixture.Gzip([.. "\n"u8, .. second.ToArray()]);
        secondMember.AsSpan(secondMember.Length / 2, 256).Fill(0xFF);
        byte[] data = [.. RpslFixture.Gzip(first.ToArray()), .. secondMember];

        using var reader = Reader(data);
        var objects = ReadAll(reader);

        Assert.That(reader.StreamError, Does.Contain("gzip stream is broken at line"));
        Assert.That(reader.StreamErrorLine, Is.GreaterThan(first.StartLines[^1]));
        Assert.That(objects, Has.Count.GreaterThanOrEqualTo(1000));
        for (var i = 0; i < 1000; i++)
        {
            Assert.That(objects[i].Error, Is.Null, $"object {i}");
            Assert.That(Ipv6Prefix.Parse(objects[i].Key), Is.EqualTo(models[i].Prefix));
        }

        Assert.That(objects.Count(o => o.Error is null), Is.LessThan(models.Count), "the broken member cannot yield every object");
    }

    [Test]
    public void ATruncatedGzipFileIsReportedAndTheObjectsBeforeTheCutKept()
    {
        var models = RpslFixture.Models(2000);
        var fixture = new RpslFixture(seed: 3);
        foreach (var model in models)
            fixture.Write(model);
        var gzip = fixture.ToGzip();

        using var reader = Reader(gzip[..(gzip.Length * 6 / 10)]);
        var objects = ReadAll(reader);

        Assert.That(reader.StreamError, Is.Not.Null);
        Assert.That(objects, Has.Count.GreaterThan(100).And.Count.LessThan(models.Count));
        for (var i = 0; i < objects.Count - 1; i++)
            Assert.That(Ipv6Prefix.Parse(objects[i].Key), Is.EqualTo(models[i].Prefix), $"object {i}");
        Assert.That(objects[..^1].All(o => o.Error is null), Is.True);
        Assert.That(objects[^1].Error, Is.Not.Null, "the object the cut ran through is malformed, not used");
    }

    [Test]
    public void AGzipFileCutAtItsTrailerIsReportedEvenThoughEveryLineIsComplete()
    {
        var models = RpslFixture.Models(50);
        var fixture = new RpslFixture(seed: 6);
        foreach (var model in models)
            fixture.Write(model);
        var gzip = fixture.ToGzip();

        using var reader = Reader(gzip[..^8]);
        var objects = ReadAll(reader);

        Assert.That(reader.StreamError, Does.Contain("ends early"));
        Assert.That(objects, Has.Count.EqualTo(models.Count));
        Assert.That(objects[..^1].All(o => o.Error is null), Is.True);
        Assert.That(objects[^1].Error, Does.Contain("damaged gzip stream"), "the last object was still open when the input stopped");
    }

    [Test]
    public void SniffsGzipOnAStreamThatCannotSeek()
    {
        var gzip = new RpslFixture(seed: 4).Route6("2001:db8::/32", "AS64500").ToGzip();
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var pipe = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var writer = Task.Run(() =>
        {
            server.Write(gzip);
            server.Dispose();
        });

        Assert.That(pipe.CanSeek, Is.False);
        using var reader = new RpslReader(pipe, leaveOpen: true);
        Assert.That(reader.IsGzip, Is.True);
        Assert.That(reader.Read(), Is.True);
        Assert.That(reader.Current.Class.ToString(), Is.EqualTo("route6"));
        Assert.That(reader.Current.TryGet("origin", out var origin) ? origin.ToString() : null, Is.EqualTo("AS64500"));
        Assert.That(reader.Read(), Is.False);
        Assert.That(reader.StreamError, Is.Null);
        Assert.That(writer.Wait(TimeSpan.FromSeconds(10)), Is.True);
    }

    [TestCase("")]
    [TestCase("\n\n% only comments\n# and more\n   \n")]
    [TestCase("x")]
    public void EmptyOrTinyInputsEndCleanly(string text)
    {
        using var reader = Reader(text);
        var objects = ReadAll(reader);
        Assert.That(objects.Count(o => o.Error is null), Is.Zero);
        Assert.That(objects, Has.Count.EqualTo(text == "x" ? 1 : 0));
    }

    [Test]
    public void ReadingAllocatesNothingPerObject()
    {
        var models = RpslFixture.Models(5000);
        var fixture = new RpslFixture(seed: 5);
        foreach (var model in models)
            fixture.Write(model);
        var data = fixture.ToArray();
        var repeated = new MemoryStream();
        for (var i = 0; i < 20; i++)
            repeated.Write(data);
        repeated.Position = 0;

        using var reader = new RpslReader(repeated);
        reader.Read(); // warm up: first growth of the buffers
        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = 1;
        while (reader.Read())
            count++;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(count, Is.EqualTo(models.Count * 20));
        Assert.That(repeated.Length, Is.GreaterThan(10_000_000));
        Assert.That(allocated, Is.LessThan(64 * 1024), $"{allocated} bytes allocated while reading {repeated.Length} bytes");
    }
}
