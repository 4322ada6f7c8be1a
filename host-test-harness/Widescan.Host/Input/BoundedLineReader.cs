using System.Text;

namespace Widescan.Host.Input;

/// <summary>
/// Reads a text file one line at a time with a cap on line length, and stops at the first NUL byte:
/// memory stays bounded by the cap whatever the file is, and a binary file ends in one error, not
/// one per "line" of garbage. A UTF-8 byte-order mark at offset 0 is skipped. Each block is checked for NUL when it is read, before any line in it
/// is handed out.
/// </summary>
internal sealed class BoundedLineReader : IDisposable
{
    private readonly Stream stream;
    private readonly string name;
    private readonly int maxLineBytes;
    private readonly byte[] buffer;
    private int start;
    private int end;
    private long offset;
    private bool eof;

    /// <param name="stream">The file, read from its current position; disposed with the reader.</param>
    /// <param name="name">The file's name as messages show it.</param>
    /// <param name="maxLineBytes">The longest line accepted, its line break not counted.</param>
    public BoundedLineReader(Stream stream, string name, int maxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        this.stream = stream;
        this.name = name;
        this.maxLineBytes = maxLineBytes;
        buffer = new byte[Math.Max(maxLineBytes + 2, 8192)];
    }

    /// <summary>The number of the line last read (1-based).</summary>
    public int LineNumber { get; private set; }

    /// <summary>
    /// Why reading stopped before the end: "NAME: line N is longer than M bytes" or "NAME looks binary
    /// (NUL byte at offset K)"; null while the file reads as text.
    /// </summary>
    public string? Problem { get; private set; }

    /// <summary>Whether <see cref="Problem"/> is the binary one (the lines read before it are noise then).</summary>
    public bool IsBinary { get; private set; }

    /// <summary>Opens a file for reading.</summary>
    public static BoundedLineReader Open(string path, string name, int maxLineBytes) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0), name, maxLineBytes);

    /// <summary>The next line (UTF-8, invalid bytes replaced, LF or CRLF removed); false at the end or at a <see cref="Problem"/>.</summary>
    public bool TryReadLine(out string line)
    {
        line = "";
        if (Problem is not null)
            return false;

        var scanned = 0;
        while (true)
        {
            var newline = buffer.AsSpan(start + scanned, end - start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
                return Take(scanned + newline, scanned + newline + 1, out line);

            // Past the cap even with a CR still to come: never wait for the rest of such a line.
            var pending = end - start;
            if (pending > maxLineBytes + 1)
                return TooLong();
            if (eof)
                return pending > 0 && Take(pending, pending, out line);

            scanned = pending;
            if (start > 0)
            {
                buffer.AsSpan(start, pending).CopyTo(buffer);
                end = pending;
                start = 0;
            }

            if (!Fill())
                return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => stream.Dispose();

    private bool Take(int length, int consumed, out string line)
    {
        var bytes = buffer.AsSpan(start, length);
        if (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
            bytes = bytes[..^1];
        line = "";
        if (bytes.Length > maxLineBytes)
            return TooLong();
        LineNumber++;
        line = Encoding.UTF8.GetString(bytes);
        start += consumed;
        return true;
    }

    private bool TooLong()
    {
        Problem = $"{name}: line {LineNumber + 1} is longer than {maxLineBytes} bytes";
        return false;
    }

    private bool Fill()
    {
        var n = stream.Read(buffer, end, buffer.Length - end);
        if (n == 0)
        {
            eof = true;
            return true;
        }

        var nul = buffer.AsSpan(end, n).IndexOf((byte)0);
        if (nul >= 0)
        {
            IsBinary = true;
            Problem = $"{name} looks binary (NUL byte at offset {offset + nul})";
            return false;
        }

        // A UTF-8 byte-order mark (an editor's "UTF-8 with BOM") is no part of the first line.
        if (offset == 0 && buffer.AsSpan(end, n).StartsWith("\uFEFF"u8))
            start += 3;
        end += n;
        offset += n;
        return true;
    }
}
