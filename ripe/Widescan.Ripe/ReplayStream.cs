namespace Widescan.Ripe;

/// <summary>
/// A read-only stream that gives back bytes already read from another stream, then the rest of it:
/// the reader sniffs the gzip magic on streams that cannot seek (pipes, stdin) and hands both on.
/// It also keeps the last four bytes it passed on: the ISIZE field of a gzip trailer.
/// </summary>
internal sealed class ReplayStream(byte[] head, int headLength, Stream rest) : Stream
{
    private int position;
    private uint tail;

    /// <summary>Bytes read through this stream so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The last four bytes read through this stream, little-endian (the first byte lowest).</summary>
    public uint LastFourBytes => tail;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        if (position < headLength)
        {
            var n = Math.Min(buffer.Length, headLength - position);
            head.AsSpan(position, n).CopyTo(buffer);
            position += n;
            Track(buffer[..n]);
            return n;
        }

        var read = rest.Read(buffer);
        Track(buffer[..read]);
        return read;
    }

    private void Track(ReadOnlySpan<byte> bytes)
    {
        BytesRead += bytes.Length;
        foreach (var b in bytes.Length > 4 ? bytes[^4..] : bytes)
            tail = (tail >> 8) | ((uint)b << 24);
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
