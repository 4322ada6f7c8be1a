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
