using System.Buffers.Binary;

namespace Widescan.Plugin.Probing;

/// <summary>
/// Finds the ICMPv6 message in an IPv6 packet by walking the extension header chain (RFC 8200 section
/// 4) instead of assuming it starts at byte 40: hop-by-hop (first only), routing (segments left must be
/// 0, or the packet is not for us yet), destination options, fragment (only an atomic fragment goes on)
/// and AH. Every length is checked against the IPv6 payload length before it is used.
/// </summary>
internal static class Ipv6HeaderChain
{
    /// <summary>Chains longer than this are refused: real traffic has one or two headers.</summary>
    public const int MaxHeaders = 8;

    private const byte HopByHop = 0;
    private const byte Routing = 43;
    private const byte FragmentHeader = 44;
    private const byte AuthenticationHeader = 51;
    private const byte DestinationOptions = 60;

    /// <summary>Locates the ICMPv6 message.</summary>
    /// <param name="packet">The IPv6 packet (may be followed by link-layer padding).</param>
    /// <param name="source">The IPv6 source.</param>
    /// <param name="destination">The IPv6 destination.</param>
    /// <param name="icmpOffset">Where the ICMPv6 message starts within <paramref name="packet"/>.</param>
    /// <param name="icmpLength">Its length, from the IPv6 payload length.</param>
    /// <returns><see cref="IgnoreReason.None"/> when found; otherwise why not.</returns>
    public static IgnoreReason FindIcmp(ReadOnlySpan<byte> packet, out UInt128 source, out UInt128 destination, out int icmpOffset, out int icmpLength)
    {
        source = destination = UInt128.Zero;
        icmpOffset = icmpLength = 0;
        if (packet.Length < WireFormat.Ipv6HeaderLength)
            return packet.Length > 0 && packet[0] >> 4 != 6 ? IgnoreReason.NotIpv6 : IgnoreReason.Truncated;
        if (packet[0] >> 4 != 6)
            return IgnoreReason.NotIpv6;

        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        int end = WireFormat.Ipv6HeaderLength + payloadLength;
        if (payloadLength == 0 || end > packet.Length)
            return IgnoreReason.Truncated; // a jumbogram (length 0) cannot hold anything of ours either

        source = BinaryPrimitives.ReadUInt128BigEndian(packet[WireFormat.Ipv6SourceOffset..]);
        destination = BinaryPrimitives.ReadUInt128BigEndian(packet[WireFormat.Ipv6DestinationOffset..]);
        return Walk(packet, end, out icmpOffset, out icmpLength);
    }

    /// <summary>
    /// Locates the ICMPv6 message in the invoking packet an ICMPv6 error quotes (RFC 4443 section 2.4
    /// (c)): the same chain rules, but the quote may end before the packet it quotes did, so the walk
    /// stops at whichever ends first and <paramref name="icmpLength"/> is what the quote holds of the
    /// message, possibly less than its header.
    /// </summary>
    /// <param name="quote">The bytes after the error's 8-byte header.</param>
    /// <param name="source">The quoted packet's source (our probe's: us).</param>
    /// <param name="destination">The quoted packet's destination (our probe's: the target).</param>
    /// <param name="icmpOffset">Where the quoted ICMPv6 message starts within <paramref name="quote"/>.</param>
    /// <param name="icmpLength">How many of its bytes the quote holds.</param>
    /// <returns>
    /// <see cref="IgnoreReason.None"/> when found; <see cref="IgnoreReason.Truncated"/> when the quote
    /// ends inside the IPv6 header or the chain; otherwise why the quoted packet cannot be ours.
    /// </returns>
    public static IgnoreReason FindQuotedIcmp(ReadOnlySpan<byte> quote, out UInt128 source, out UInt128 destination, out int icmpOffset, out int icmpLength)
    {
        source = destination = UInt128.Zero;
        icmpOffset = icmpLength = 0;
        if (quote.Length < WireFormat.Ipv6HeaderLength)
            return IgnoreReason.Truncated;
        if (quote[0] >> 4 != 6)
            return IgnoreReason.NotIpv6;
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(quote[4..]);
        if (payloadLength == 0)
            return IgnoreReason.Malformed; // a jumbogram: never one of our probes
        int end = Math.Min(WireFormat.Ipv6HeaderLength + payloadLength, quote.Length);
        source = BinaryPrimitives.ReadUInt128BigEndian(quote[WireFormat.Ipv6SourceOffset..]);
        destination = BinaryPrimitives.ReadUInt128BigEndian(quote[WireFormat.Ipv6DestinationOffset..]);
        return Walk(quote, end, out icmpOffset, out icmpLength);
    }

    /// <summary>Walks the chain from the fixed header to the ICMPv6 message, reading nothing at or past <paramref name="end"/>.</summary>
    private static IgnoreReason Walk(ReadOnlySpan<byte> packet, int end, out int icmpOffset, out int icmpLength)
    {
        icmpOffset = icmpLength = 0;
        byte next = packet[6];
        int offset = WireFormat.Ipv6HeaderLength;
        for (int count = 0; count <= MaxHeaders; count++)
        {
            if (next == WireFormat.IcmpV6Protocol)
            {
                icmpOffset = offset;
                icmpLength = end - offset;
                return IgnoreReason.None;
            }

            if (count == MaxHeaders)
                break;
            if (end - offset < 8)
                return next is HopByHop or Routing or FragmentHeader or AuthenticationHeader or DestinationOptions
                    ? IgnoreReason.Truncated
                    : IgnoreReason.NotEcho;

            int length;
            switch (next)
            {
                case HopByHop:
                    if (offset != WireFormat.Ipv6HeaderLength)
                        return IgnoreReason.BadExtensionHeader;
                    length = (packet[offset + 1] + 1) * 8;
                    break;
                case DestinationOptions:
                    length = (packet[offset + 1] + 1) * 8;
                    break;
                case Routing:
                    if (packet[offset + 3] != 0)
                        return IgnoreReason.BadExtensionHeader;
                    length = (packet[offset + 1] + 1) * 8;
                    break;
                case FragmentHeader:
                    ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
                    if ((fragment & 0xFFF9) != 0) // an offset, or more fragments to come
                        return IgnoreReason.Fragment;
                    length = 8;
                    break;
                case AuthenticationHeader:
                    length = (packet[offset + 1] + 2) * 4;
                    break;
                default:
                    return IgnoreReason.NotEcho; // ESP, no next header, another transport
            }

            if (length > end - offset)
                return IgnoreReason.Truncated;
            next = packet[offset];
            offset += length;
        }

        return IgnoreReason.BadExtensionHeader;
    }
}
