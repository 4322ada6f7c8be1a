using System.Buffers.Binary;

namespace Widescan.Plugin.Probing;

/// <summary>
/// The Internet checksum (RFC 1071) of ICMPv6 with its IPv6 pseudo-header (RFC 8200 section 8.1), plus
/// the incremental update of RFC 1624 that lets a frame template change only its destination and tag.
/// </summary>
internal static class IcmpChecksum
{
    /// <summary>Adds the bytes to a running sum of 16-bit big-endian words (an odd last byte is padded with zero).</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> bytes)
    {
        // Summing 32-bit words into 64 bits defers the carries: the fold at the end gives the same
        // ones' complement result as a 16-bit loop. Eight bytes are read at a time and split into their
        // two 32-bit halves, which cannot overflow 64 bits for any IPv6 payload.
        int i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
        {
            ulong word = BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(i, 8));
            sum += (word >> 32) + (word & 0xFFFFFFFF);
        }

        if (i + 4 <= bytes.Length)
        {
            sum += BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(i, 4));
            i += 4;
        }

        if (i + 2 <= bytes.Length)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(i, 2));
            i += 2;
        }

        if (i < bytes.Length)
            sum += (ulong)bytes[i] << 8;
        return sum;
    }

    /// <summary>Adds a 128-bit address as eight 16-bit words.</summary>
    public static ulong Add(ulong sum, UInt128 address) =>
        sum + ((ulong)(address >> 96) & 0xFFFFFFFF) + ((ulong)(address >> 64) & 0xFFFFFFFF)
            + ((ulong)(address >> 32) & 0xFFFFFFFF) + ((ulong)address & 0xFFFFFFFF);

    /// <summary>The pseudo-header sum: source, destination, upper-layer length and next header 58.</summary>
    public static ulong PseudoHeader(UInt128 source, UInt128 destination, int upperLayerLength) =>
        Add(Add(0, source), destination) + (uint)upperLayerLength + WireFormat.IcmpV6Protocol;

    /// <summary>Folds a running sum to 16 bits with end-around carries.</summary>
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>The checksum field value of an ICMPv6 message whose checksum field is zero.</summary>
    public static ushort Compute(UInt128 source, UInt128 destination, ReadOnlySpan<byte> message) =>
        (ushort)~Fold(Add(PseudoHeader(source, destination, message.Length), message));

    /// <summary>Whether a received ICMPv6 message (checksum field included) sums to all ones.</summary>
    public static bool Verify(UInt128 source, UInt128 destination, ReadOnlySpan<byte> message) =>
        Fold(Add(PseudoHeader(source, destination, message.Length), message)) == 0xFFFF;
}
