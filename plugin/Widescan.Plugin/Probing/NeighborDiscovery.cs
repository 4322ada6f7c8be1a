using System.Buffers.Binary;

namespace Widescan.Plugin.Probing;

/// <summary>
/// The two Neighbor Discovery messages (RFC 4861) the layer-2 path needs to learn its gateway's MAC
/// when the kernel's neighbour table lacks it: a Neighbor Solicitation written as a whole Ethernet
/// frame (to the target's solicited-node group, hop limit 255, our own checksum: PacketDotNet builds
/// NS wrongly, 36 bytes instead of 32), and the parse of the Neighbor Advertisement that answers it.
/// No I/O here.
/// </summary>
internal static class NeighborDiscovery
{
    /// <summary>ICMPv6 Neighbor Solicitation.</summary>
    public const byte SolicitationType = 135;

    /// <summary>ICMPv6 Neighbor Advertisement.</summary>
    public const byte AdvertisementType = 136;

    /// <summary>An NS with one source link-layer address option: 4 + 4 reserved + 16 target + 8 option.</summary>
    public const int SolicitationLength = 32;

    /// <summary>The whole NS frame: Ethernet, IPv6, ICMPv6.</summary>
    public const int SolicitationFrameLength = WireFormat.EthernetHeaderLength + WireFormat.Ipv6HeaderLength + SolicitationLength;

    /// <summary>RFC 4861 7.1: ND messages are sent with hop limit 255, and one received with less came from off-link.</summary>
    private const byte HopLimit = 255;
    private const ushort EtherTypeIpv6 = 0x86DD;
    private const byte SourceLinkLayerOption = 1;
    private const byte TargetLinkLayerOption = 2;
    private const int AdvertisementMinimum = 24; // type, code, checksum, flags + reserved, target

    /// <summary>The solicited-node multicast address of <paramref name="target"/>: ff02::1:ff00:0/104 plus its last 24 bits.</summary>
    public static UInt128 SolicitedNode(UInt128 target) => new UInt128(0xff02_0000_0000_0000, 0x0000_0001_ff00_0000) | (target & 0xFF_FFFF);

    /// <summary>Writes an NS frame asking for <paramref name="target"/>'s MAC from <paramref name="source"/> (<paramref name="sourceMac"/>); returns its length.</summary>
    /// <exception cref="ArgumentException">The buffer is shorter than <see cref="SolicitationFrameLength"/>.</exception>
    public static int WriteSolicitation(Span<byte> frame, UInt128 target, UInt128 source, ulong sourceMac)
    {
        if (frame.Length < SolicitationFrameLength)
            throw new ArgumentException($"a Neighbor Solicitation frame takes {SolicitationFrameLength} bytes", nameof(frame));
        frame = frame[..SolicitationFrameLength];
        frame.Clear();
        var group = SolicitedNode(target);

        // Ethernet: the IPv6 multicast MAC 33:33 + the group's last 32 bits (RFC 2464 section 7).
        BinaryPrimitives.WriteUInt16BigEndian(frame, 0x3333);
        BinaryPrimitives.WriteUInt32BigEndian(frame[2..], (uint)group);
        WriteMac(frame[6..], sourceMac);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherTypeIpv6);

        var ip = frame[WireFormat.EthernetHeaderLength..];
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], SolicitationLength);
        ip[6] = WireFormat.IcmpV6Protocol;
        ip[7] = HopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(ip[8..], source);
        BinaryPrimitives.WriteUInt128BigEndian(ip[24..], group);

        var message = ip[WireFormat.Ipv6HeaderLength..];
        message[0] = SolicitationType;
        BinaryPrimitives.WriteUInt128BigEndian(message[8..], target);
        message[24] = SourceLinkLayerOption;
        message[25] = 1; // in units of 8 bytes
        WriteMac(message[26..], sourceMac);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], IcmpChecksum.Compute(source, group, message));
        return SolicitationFrameLength;
    }

    /// <summary>
    /// The MAC that a received Ethernet frame advertises for <paramref name="target"/>, or null when the
    /// frame is anything else: not an NA for that target, hop limit below 255 (forwarded, so not from
    /// the link), a bad checksum. The target link-layer option wins; without it, the frame's source.
    /// </summary>
    public static ulong? AdvertisedMac(ReadOnlySpan<byte> frame, UInt128 target)
    {
        const int ip = WireFormat.EthernetHeaderLength;
        const int icmp = ip + WireFormat.Ipv6HeaderLength;
        if (frame.Length < icmp + AdvertisementMinimum
            || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypeIpv6
            || (frame[ip] >> 4) != 6 || frame[ip + 6] != WireFormat.IcmpV6Protocol || frame[ip + 7] != HopLimit)
            return null;
        var length = BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 4)..]);
        if (length < AdvertisementMinimum || icmp + length > frame.Length)
            return null;
        var message = frame.Slice(icmp, length);
        var source = BinaryPrimitives.ReadUInt128BigEndian(frame[(ip + 8)..]);
        var destination = BinaryPrimitives.ReadUInt128BigEndian(frame[(ip + 24)..]);
        if (message[0] != AdvertisementType || message[1] != 0
            || BinaryPrimitives.ReadUInt128BigEndian(message[8..]) != target
            || !IcmpChecksum.Verify(source, destination, message))
            return null;

        for (var options = message[AdvertisementMinimum..]; options.Length >= 8;)
        {
            var optionLength = options[1] * 8;
            if (optionLength == 0 || optionLength > options.Length)
                return null;
            if (options[0] == TargetLinkLayerOption && optionLength == 8)
                return ReadMac(options[2..]);
            options = options[optionLength..];
        }

        return ReadMac(frame[6..]);
    }

    private static void WriteMac(Span<byte> bytes, ulong mac)
    {
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)(mac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(bytes[2..], (uint)mac);
    }

    private static ulong ReadMac(ReadOnlySpan<byte> bytes) =>
        ((ulong)BinaryPrimitives.ReadUInt16BigEndian(bytes) << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]);
}
