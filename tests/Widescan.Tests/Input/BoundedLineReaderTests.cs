using System.Text;
using Widescan.Host.Input;

namespace Widescan.Tests.Input;

public class BoundedLineReaderTests
{
    private static (List<string> Lines, BoundedLineReader Reader) ReadAll(byte[] data, int max)
    {
        var reader = new BoundedLineReader(new MemoryStream(data), "F", max);
        var lines = new List<string>();
        while (reader.TryReadLine(out var line))
            lines.Add(line);
        return (lines, reader);
    }

    [Test]
    public void ReadsLfCrlfAndALastLineWithoutABreak()
    {
        var (lines, reader) = ReadAll("a\r\n\nbé\nlast"u8.ToArray(), 16);
        Assert.That(lines, Is.EqualTo(new[] { "a", "", "bé", "last" }));
        Assert.That(reader.Problem, Is.Null);
        Assert.That(reader.LineNumber, Is.EqualTo(4));
    }

    [Test]
    public void ALineOfExactlyTheCapPassesAndOneByteMoreIsRefusedWithItsNumber()
    {
        var max = 100;
        var exact = new string('x', max);
        var (lines, reader) = ReadAll(Encoding.ASCII.GetBytes($"{exact}\r\n{exact}\nshort\n{exact}y\nnever\n"), max);
        Assert.That(lines, Is.EqualTo(new[] { exact, exact, "short" }));
        Assert.That(reader.Problem, Is.EqualTo("F: line 4 is longer than 100 bytes"));
        Assert.That(reader.IsBinary, Is.False);
    }

    [Test]
    public void AnEndlessLineStopsAtTheCapWithoutReadingTheRest()
    {
        // A stream that never ends: the reader must stop on its own, after about one buffer.
        var endless = new EndlessStream((byte)'a');
        using var reader = new BoundedLineReader(endless, "F", 4096);
        Assert.That(reader.TryReadLine(out _), Is.False);
        Assert.That(reader.Problem, Is.EqualTo("F: line 1 is longer than 4096 bytes"));
        Assert.That(endless.Served, Is.LessThan(64 * 1024), "read no more than a buffer or so");
    }

    [Test]
    public void ANulByteStopsReadingBeforeTheLinesOfItsBlockAreHandedOut()
    {
        var data = Encoding.ASCII.GetBytes("2001:db8::/32\n\u001b[31mred\nabc\0def\n");
        var (lines, reader) = ReadAll(data, 4096);
        Assert.That(lines, Is.Empty, "the block holding the NUL is refused whole");
        Assert.That(reader.IsBinary, Is.True);
        Assert.That(reader.Problem, Is.EqualTo($"F looks binary (NUL byte at offset {Array.IndexOf(data, (byte)0)})"));
    }

    [Test]
    public void ANulPastTheFirstBlockNamesItsOffsetInTheFile()
    {
        var data = new byte[100_000];
        Array.Fill(data, (byte)'\n');
        data[70_001] = 0;
        var (lines, reader) = ReadAll(data, 4096);
        Assert.That(lines, Has.Count.GreaterThan(0).And.Count.LessThan(70_001));
        Assert.That(reader.Problem, Is.EqualTo("F looks binary (NUL byte at offset 70001)"));
    }

    private sealed class EndlessStream(byte value) : Stream
    {
        public long Served { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Served; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Fill(buffer, value, offset, count);
            Served += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
