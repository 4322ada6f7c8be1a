using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Widescan.Contracts;

namespace Widescan.Host.Output;

/// <summary>How <c>widescan generate</c> writes targets.</summary>
internal enum AddressFormat
{
    /// <summary>One canonical (RFC 5952) address per line: a target list other scanners read.</summary>
    Text,

    /// <summary>16 bytes per address in network order, nothing between them.</summary>
    Binary,
}

/// <summary>
/// Writes batches of addresses to a stream through one reused byte buffer: no allocation per address,
/// one write call per batch.
/// </summary>
internal sealed class AddressWriter : IDisposable
{
    // A text line is at most 45 characters and a newline.
    private const int MaxLineBytes = Ipv6Address.MaxTextLength + 1;

    private readonly Stream stream;
    private readonly AddressFormat format;
    private byte[] buffer;

    public AddressWriter(Stream stream, AddressFormat format, int batchSize)
    {
        this.stream = stream;
        this.format = format;
        buffer = ArrayPool<byte>.Shared.Rent(batchSize * (format == AddressFormat.Text ? MaxLineBytes : 16));
    }

    public void Write(ReadOnlySpan<UInt128> addresses)
    {
        var needed = addresses.Length * (format == AddressFormat.Text ? MaxLineBytes : 16);
        if (needed > buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(needed);
        }

        var pos = 0;
        if (format == AddressFormat.Binary)
        {
            // One vectorised byte swap of the whole batch into network order.
            BinaryPrimitives.ReverseEndianness(addresses, MemoryMarshal.Cast<byte, UInt128>(buffer.AsSpan(0, addresses.Length * 16)));
            pos = addresses.Length * 16;
        }
        else
        {
            Span<char> text = stackalloc char[Ipv6Address.MaxTextLength];
            foreach (var address in addresses)
            {
                Ipv6Address.TryFormat(address, text, out var chars);
                pos += Encoding.ASCII.GetBytes(text[..chars], buffer.AsSpan(pos));
                buffer[pos++] = (byte)'\n';
            }
        }

        stream.Write(buffer, 0, pos);
    }

    public void Dispose()
    {
        stream.Flush();
        ArrayPool<byte>.Shared.Return(buffer);
    }
}
