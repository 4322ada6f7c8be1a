using System.Buffers.Binary;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Fills the raw sender's slots with probes. A slot keeps what was last written to it, so the fixed
/// bytes are written again only when the batch's timestamp changed (once per chunk at most); per
/// target only the tag is computed and patched in. The writer is the probe module's prepared
/// template (<see cref="IProbeModule.Prepare"/>), called directly: a struct, so no virtual call per packet.
/// </summary>
internal readonly struct ProbeMessageWriter(ProbeWriter writer, ulong timestampMs) : IIcmpv6MessageWriter
{
    public int Write(UInt128 destination, Span<byte> message)
    {
        if (BinaryPrimitives.ReadUInt64BigEndian(message[WireFormat.TimestampOffset..]) != timestampMs
            || BinaryPrimitives.ReadUInt32BigEndian(message[WireFormat.MagicOffset..]) != WireFormat.Magic)
            writer.WriteMessage(message, timestampMs);
        writer.SetTarget(message, destination);
        return writer.MessageLength;
    }
}

/// <summary>
/// Fills a packet socket's slots with whole probe frames (Ethernet, IPv6, ICMPv6 with its checksum):
/// the template is written again only when the slot's timestamp changed; per target the destination,
/// the tag and the checksum are patched (RFC 1624, <see cref="ProbeWriter.SetFrameTarget"/>).
/// </summary>
internal readonly struct ProbeFrameWriter(ProbeWriter writer, LinkAddressing link, ulong timestampMs) : IIcmpv6MessageWriter
{
    private const int MessageOffset = WireFormat.EthernetHeaderLength + WireFormat.Ipv6HeaderLength;

    public int Write(UInt128 destination, Span<byte> frame)
    {
        var message = frame[MessageOffset..];
        if (BinaryPrimitives.ReadUInt64BigEndian(message[WireFormat.TimestampOffset..]) != timestampMs
            || BinaryPrimitives.ReadUInt32BigEndian(message[WireFormat.MagicOffset..]) != WireFormat.Magic)
            writer.WriteFrame(frame, link, timestampMs);
        writer.SetFrameTarget(frame, destination);
        return writer.FrameLength;
    }
}
