using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Widescan.Contracts;

/// <summary>
/// Conversions between IPv6 addresses held as <see cref="UInt128"/> (the most significant bit is the
/// first bit on the wire) and their text and byte forms.
/// </summary>
/// <remarks>
/// Widescan keeps addresses as <see cref="UInt128"/> on every hot path: they are plain values that
/// cost no allocation, compare and mask in one instruction, and map onto GPU kernels.
/// </remarks>
public static class Ipv6Address
{
    /// <summary>The longest text an address can take in canonical form (IPv4-mapped with dotted quad).</summary>
    public const int MaxTextLength = 45;

    /// <summary>Parses any RFC 4291 text form of an IPv6 address (no zone index, no brackets).</summary>
    /// <exception cref="FormatException">The text is not an IPv6 address; the message says why.</exception>
    public static UInt128 Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var address, out var error) ? address : throw new FormatException(error);
    }

    /// <summary>Parses any RFC 4291 text form of an IPv6 address (no zone index, no brackets).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out UInt128 address) => TryParse(text, out address, out _);

    /// <summary>Parses an IPv6 address and, on failure, says why in <paramref name="error"/>.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out UInt128 address, out string? error)
    {
        address = UInt128.Zero;
        if (text.IsEmpty)
        {
            error = "empty text is not an IPv6 address";
            return false;
        }

        // IPAddress accepts more than an address: zones, brackets, ports and IPv4. Refuse those first
        // so that a prefix list never silently means something other than what it says.
        if (text.ContainsAny('%', '[', ']') || text.ContainsAny(' ', '\t', '/') || !text.Contains(':'))
        {
            error = $"'{InputText.Excerpt(text)}' is not an IPv6 address";
            return false;
        }

        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            error = $"'{InputText.Excerpt(text)}' is not an IPv6 address";
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        address = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        error = null;
        return true;
    }

    /// <summary>Converts an <see cref="IPAddress"/> of the IPv6 family.</summary>
    /// <exception cref="ArgumentException">The address is not IPv6.</exception>
    public static UInt128 FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            throw new ArgumentException($"{address} is not an IPv6 address", nameof(address));
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>Converts to an <see cref="IPAddress"/> (allocates; not for hot paths).</summary>
    public static IPAddress ToIPAddress(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes);
    }

    /// <summary>Writes the 16 bytes of the address in network order.</summary>
    public static void WriteBytes(UInt128 address, Span<byte> destination) =>
        BinaryPrimitives.WriteUInt128BigEndian(destination, address);

    /// <summary>Reads 16 bytes in network order.</summary>
    public static UInt128 ReadBytes(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadUInt128BigEndian(source);

    /// <summary>Formats the address in the canonical text form of RFC 5952.</summary>
    public static string Format(UInt128 address)
    {
        Span<char> buffer = stackalloc char[MaxTextLength];
        TryFormat(address, buffer, out var written);
        return new string(buffer[..written]);
    }

    /// <summary>
    /// Writes the canonical RFC 5952 text of the address without allocating: lower case, no leading
    /// zeros, the longest run of two or more zero groups (the first of equal runs) shown as "::", and
    /// IPv4-mapped addresses (::ffff:0:0/96) with a dotted quad.
    /// </summary>
    public static bool TryFormat(UInt128 address, Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        Span<ushort> groups = stackalloc ushort[8];
        for (var i = 0; i < 8; i++)
            groups[i] = (ushort)(address >> (112 - 16 * i));

        var mapped = (address >> 32) == 0xffff;
        var groupCount = mapped ? 6 : 8;

        var (runStart, runLength) = LongestZeroRun(groups[..groupCount]);
        var pos = 0;
        for (var i = 0; i < groupCount; i++)
        {
            if (i == runStart)
            {
                if (!Append(destination, ref pos, i == 0 ? "::" : ":"))
                    return false;
                i += runLength - 1;
                continue;
            }

            if (!groups[i].TryFormat(destination[pos..], out var n, "x"))
                return false;
            pos += n;
            var last = i == groupCount - 1;
            if (!last || mapped)
            {
                if (!Append(destination, ref pos, ":"))
                    return false;
            }
        }

        if (mapped)
        {
            var v4 = (uint)address;
            for (var b = 3; b >= 0; b--)
            {
                if (!((byte)(v4 >> (8 * b))).TryFormat(destination[pos..], out var n))
                    return false;
                pos += n;
                if (b > 0 && !Append(destination, ref pos, "."))
                    return false;
            }
        }

        charsWritten = pos;
        return true;
    }

    private static (int Start, int Length) LongestZeroRun(ReadOnlySpan<ushort> groups)
    {
        int bestStart = -1, bestLength = 0;
        for (var i = 0; i < groups.Length;)
        {
            if (groups[i] != 0)
            {
                i++;
                continue;
            }

            var start = i;
            while (i < groups.Length && groups[i] == 0)
                i++;
            if (i - start > bestLength)
                (bestStart, bestLength) = (start, i - start);
        }

        // RFC 5952 4.2.2: a single zero group is never shortened to "::".
        return bestLength >= 2 ? (bestStart, bestLength) : (-1, 0);
    }

    private static bool Append(Span<char> destination, ref int pos, string text)
    {
        if (!text.AsSpan().TryCopyTo(destination[pos..]))
            return false;
        pos += text.Length;
        return true;
    }
}
