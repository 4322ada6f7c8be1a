using System.Buffers;
using System.IO.Compression;
using System.Text;

namespace Widescan.Ripe;

/// <summary>
/// Reads RPSL objects (RIPE Database dumps such as <c>ripe.db.inet6num</c>) one at a time from a
/// stream, plain or gzip, in constant memory: one line buffer and one reusable <see cref="RpslObject"/>.
/// </summary>
/// <remarks>
/// Objects are separated by empty lines. A line is <c>attribute: value</c>, a continuation of the
/// previous attribute (it starts with a space, a tab or <c>+</c>, RFC 2622 section 2, even when nothing
/// else is on it: a whitespace-only line inside an object continues it), or a comment (<c>%</c> or
/// <c>#</c> in the first column). A whitespace-only line followed by the object's own class attribute
/// (a second <c>inet6num:</c>) separates two objects. LF and CRLF line ends are accepted. A NUL byte
/// ends the input with <see cref="StreamError"/> set (RPSL is text). Problems never stop
/// the reader: an object with a bad line comes back with <see cref="RpslObject.Error"/> set and the
/// next object is read as usual. An object cut short by the end of the input (no final line break) or
/// by a broken gzip stream is reported as malformed rather than used, because a cut line can still
/// look valid ("2001:db8::/48" cut to "2001:db8::/4" would widen a scan).
/// </remarks>
public sealed class RpslReader : IDisposable
{
    /// <summary>The longest line kept; a longer one makes its object malformed and is skipped.</summary>
    public const int MaxLineBytes = 1 << 20;

    private const int InitialBufferBytes = 1 << 16;

    // RFC 2622, RFC 4012 and the RIPE Database's classes: the first attribute of every object.
    private static readonly HashSet<string> RpslClasses = new(StringComparer.Ordinal)
    {
        "as-block", "as-set", "aut-num", "domain", "filter-set", "inet-rtr", "inet6num", "inetnum", "irt", "key-cert",
        "mntner", "organisation", "peering-set", "person", "poem", "poetic-form", "role", "route", "route6",
        "route-set", "rtr-set",
    };
    private static readonly SearchValues<byte> AttributeNameBytes =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"u8);

    private readonly Stream original;
    private readonly Stream source;
    private readonly bool leaveOpen;
    private readonly ReplayStream? compressed;
    private byte[] buffer = new byte[InitialBufferBytes];
    private int start;
    private int end;
    private bool eof;
    private int lastLineStart;
    private bool replaying;
    private int replayStart;
    private int replayLength;
    private bool replayTerminated;
    private int replayNumber;

    /// <summary>Starts reading <paramref name="stream"/>; a gzip stream (magic 1f 8b) is decompressed on the fly.</summary>
    public RpslReader(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        original = stream;
        this.leaveOpen = leaveOpen;

        // Sniff the magic without seeking, so that pipes work too.
        var head = new byte[2];
        var headLength = 0;
        while (headLength < head.Length && stream.Read(head, headLength, head.Length - headLength) is var n and > 0)
            headLength += n;

        if (headLength == 2 && head[0] == 0x1f && head[1] == 0x8b)
        {
            IsGzip = true;
            compressed = new ReplayStream(head, headLength, stream);
            source = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        }
        else
        {
            source = stream;
            head.AsSpan(0, headLength).CopyTo(buffer);
            Take(headLength);
        }
    }

    /// <summary>The object read by the last successful <see cref="Read"/>, reused for the next one.</summary>
    public RpslObject Current { get; } = new();

    /// <summary>Whether the input is gzip-compressed.</summary>
    public bool IsGzip { get; }

    /// <summary>Whether reading stopped at a NUL byte (<see cref="StreamError"/> says where).</summary>
    public bool IsBinary { get; private set; }

    /// <summary>The number of lines read so far.</summary>
    public int LineNumber { get; private set; }

    /// <summary>Uncompressed bytes read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Why the input ended early (a broken gzip stream), or null when it ended normally.</summary>
    public string? StreamError { get; private set; }

    /// <summary>The line being read when <see cref="StreamError"/> happened.</summary>
    public int StreamErrorLine { get; private set; }

    /// <summary>Opens a file for one sequential pass.</summary>
    public static RpslReader Open(string path) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan));

    /// <summary>Reads the next object into <see cref="Current"/>; false at the end of the input.</summary>
    public bool Read()
    {
        var current = Current;
        current.Reset();
        var afterBlankContinuation = false;
        while (NextLine(out var line, out var terminated, out var overlong, out var number))
        {
            if (overlong)
            {
                current.Begin(number);
                current.Fail(number, $"line {number} is longer than {MaxLineBytes} bytes");
                continue;
            }

            if (line.IndexOfAnyExcept(" \t"u8) < 0)
            {
                // An empty line ends the object. A line of spaces or tabs inside one starts with a
                // space or tab, so RFC 2622 section 2 makes it a continuation (of nothing visible):
                // registries write such lines, and ending the object there would cut it in two.
                if (line.IsEmpty || current.IsEmpty)
                {
                    if (!current.IsEmpty)
                        return true;
                    continue;
                }

                afterBlankContinuation = true;
                if (!terminated)
                    current.Fail(number, $"truncated: the input ends in the middle of line {number}");
                continue;
            }

            var first = line[0];
            if (first is (byte)'%' or (byte)'#')
                continue;

            if (first is (byte)' ' or (byte)'\t' or (byte)'+')
            {
                current.Begin(number);
                if (current.Count == 0)
                    current.Fail(number, $"line {number} continues an attribute (it starts with a space, tab or '+') but no attribute comes before it");
                else
                    current.Continue(line[1..], number);
            }
            else
            {
                var colon = line.IndexOf((byte)':');
                if (colon <= 0 || line[..colon].IndexOfAnyExcept(AttributeNameBytes) >= 0)
                {
                    current.Begin(number);
                    current.Fail(number, $"line {number} is not 'attribute: value': '{Preview(line)}'");
                }
                else if (afterBlankContinuation && current.Count > 0 && IsClass(line[..colon]))
                {
                    // A class attribute (inet6num:, route6:, person:, ...) after a whitespace-only line:
                    // that line was meant to separate two objects (some exports pad their blank lines),
                    // and a second key in one object would hide the next object. This line starts it.
                    Replay(line, terminated, number);
                    return true;
                }
                else
                {
                    current.Begin(number);
                    current.Add(line[..colon], line[(colon + 1)..], number);
                }
            }

            if (!terminated)
                current.Fail(number, $"truncated: the input ends in the middle of line {number}");
        }

        if (StreamError is not null && !current.IsEmpty)
            current.Fail(StreamErrorLine, $"cut short at line {StreamErrorLine} by {(IsBinary ? "binary data (a NUL byte)" : "the damaged gzip stream")}");
        return !current.IsEmpty;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!ReferenceEquals(source, original))
            source.Dispose();
        if (!leaveOpen)
            original.Dispose();
    }

    private static bool IsClass(ReadOnlySpan<byte> name)
    {
        Span<char> lower = stackalloc char[32];
        return name.Length <= lower.Length
            && Ascii.ToLower(name, lower, out var length) == OperationStatus.Done
            && RpslClasses.GetAlternateLookup<ReadOnlySpan<char>>().Contains(lower[..length]);
    }

    /// <summary>Hands the line back to the next <see cref="Read"/>; its bytes stay where they are until then.</summary>
    private void Replay(ReadOnlySpan<byte> line, bool terminated, int number)
    {
        replayLength = line.Length;
        replayStart = lastLineStart;
        replayTerminated = terminated;
        replayNumber = number;
        replaying = true;
    }

    private bool NextLine(out ReadOnlySpan<byte> line, out bool terminated, out bool overlong, out int number)
    {
        if (replaying)
        {
            replaying = false;
            line = buffer.AsSpan(replayStart, replayLength);
            terminated = replayTerminated;
            overlong = false;
            number = replayNumber;
            return true;
        }

        var read = TryReadLine(out line, out terminated, out overlong);
        number = read ? ++LineNumber : LineNumber;
        return read;
    }

    private static string Preview(ReadOnlySpan<byte> line)
    {
        const int Max = 60;
        var text = Encoding.Latin1.GetString(line[..Math.Min(line.Length, Max)]);
        return line.Length > Max ? text + "..." : text;
    }

    /// <summary>
    /// The next line without its LF or CRLF. <paramref name="terminated"/> is false for a last line with
    /// no line break; <paramref name="overlong"/> is true (and the line empty) for a line past
    /// <see cref="MaxLineBytes"/>, whose bytes are skipped so memory stays bounded.
    /// </summary>
    private bool TryReadLine(out ReadOnlySpan<byte> line, out bool terminated, out bool overlong)
    {
        overlong = false;
        var scanned = 0;
        while (true)
        {
            var newline = buffer.AsSpan(start + scanned, end - start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = scanned + newline;
                line = overlong ? [] : TrimCarriageReturn(buffer.AsSpan(start, length));
                lastLineStart = start;
                start += length + 1;
                terminated = true;
                return true;
            }

            scanned = end - start;
            if (eof)
            {
                terminated = false;
                if (scanned == 0 && !overlong)
                {
                    line = [];
                    return false;
                }

                line = overlong ? [] : TrimCarriageReturn(buffer.AsSpan(start, scanned));
                lastLineStart = start;
                start = end;
                return true;
            }

            if (start > 0)
            {
                buffer.AsSpan(start, end - start).CopyTo(buffer);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                if (buffer.Length < MaxLineBytes)
                {
                    Array.Resize(ref buffer, Math.Min(MaxLineBytes, buffer.Length * 2));
                }
                else
                {
                    overlong = true;
                    start = end = scanned = 0;
                }
            }

            Fill();
        }
    }

    /// <summary>
    /// GZipStream ends quietly when the compressed input stops early (zlib checks the CRC-32 only when
    /// the trailer is there), so compare the size the gzip trailer records (ISIZE, mod 2^32) with the
    /// bytes decompressed, and refuse a stream too short to hold a trailer at all. A file of several gzip members
    /// records only its last member's size there and is reported too (RIPE dumps are one member).
    /// </summary>
    private void CheckGzipSize()
    {
        if (compressed is null || StreamError is not null)
            return;

        // The smallest whole gzip member is 20 bytes: a 10-byte header, an empty deflate block, the trailer.
        if (compressed.BytesRead < 20)
        {
            StreamErrorLine = LineNumber + 1;
            StreamError = $"the gzip stream is {compressed.BytesRead} bytes, too short to hold any data and its trailer; the file is truncated";
            return;
        }

        if (compressed.LastFourBytes == (uint)BytesRead)
            return;

        StreamErrorLine = LineNumber + 1;
        StreamError = $"the gzip stream ends early at line {StreamErrorLine}: {BytesRead} bytes decompressed but its trailer " +
            $"records {compressed.LastFourBytes} (mod 2^32); the file is probably truncated (the objects before it were read)";
    }

    private static ReadOnlySpan<byte> TrimCarriageReturn(ReadOnlySpan<byte> line) =>
        !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;

    private void Fill()
    {
        int n;
        try
        {
            n = source.Read(buffer, end, buffer.Length - end);
        }
        catch (InvalidDataException e) when (IsGzip)
        {
            StreamErrorLine = LineNumber + 1;
            StreamError = $"the gzip stream is broken at line {StreamErrorLine}: {e.Message} (the objects before it were read)";
            eof = true;
            return;
        }

        if (n == 0)
        {
            eof = true;
            CheckGzipSize();
        }

        Take(n);
    }

    /// <summary>Adds <paramref name="n"/> bytes read into the buffer at <see cref="end"/>, up to a NUL byte.</summary>
    private void Take(int n)
    {
        // RPSL is text: a NUL byte means a binary file (or the wrong file), read no further.
        var nul = buffer.AsSpan(end, n).IndexOf((byte)0);
        if (nul >= 0)
        {
            StreamErrorLine = LineNumber + 1;
            IsBinary = true;
            StreamError = $"looks binary (NUL byte at offset {BytesRead + nul}{(IsGzip ? " of the decompressed data" : "")}); RPSL is text";
            eof = true;
            n = nul;
        }

        end += n;
        BytesRead += n;
    }
}
