using System.Buffers.Binary;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Fills the raw sender's slots with probes. A slot keeps what was last written to it, so the fixed
/// bytes are written again only when the batch's timestamp changed (once per chunk at most); per
/// target only the tag is computed and patched in.
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
