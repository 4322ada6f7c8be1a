using System.Buffers.Binary;

namespace Widescan.Plugin.Probing;

/// <summary>Writes the Widescan payload (bytes 8 and up of the ICMPv6 message) for probes and announces.</summary>
internal static class PayloadWriter
{
    /// <summary>
    /// Writes magic, version, type, flags, data length, node id, port, timestamp, nonce, the data (or
    /// <paramref name="dataLength"/> zero bytes of padding when <paramref name="data"/> is empty) and,
    /// with a network key, the MAC over bytes 8 up to the MAC. The message must be exactly long enough.
    /// </summary>
    public static void Write(
        Span<byte> message, WireIdentity identity, MessageType type, ReadOnlySpan<byte> data, int dataLength, ulong timestampMs, ulong nonce)
    {
        BinaryPrimitives.WriteUInt32BigEndian(message[WireFormat.MagicOffset..], WireFormat.Magic);
        message[WireFormat.VersionOffset] = WireFormat.Version;
        message[WireFormat.MessageTypeOffset] = (byte)type;
        message[WireFormat.FlagsOffset] = identity.Authenticated ? WireFormat.FlagAuthenticated : (byte)0;
        message[WireFormat.DataLengthOffset] = (byte)dataLength;
        BinaryPrimitives.WriteUInt128BigEndian(message[WireFormat.NodeIdOffset..], identity.NodeId.Value);
        BinaryPrimitives.WriteUInt16BigEndian(message[WireFormat.PortOffset..], identity.ServicePort);
        BinaryPrimitives.WriteUInt64BigEndian(message[WireFormat.TimestampOffset..], timestampMs);
        BinaryPrimitives.WriteUInt64BigEndian(message[WireFormat.NonceOffset..], nonce);
        var dataField = message.Slice(WireFormat.DataOffset, dataLength);
        if (data.IsEmpty)
            dataField.Clear();
        else
            data.CopyTo(dataField);

        if (identity.Authenticated)
        {
            int macOffset = WireFormat.DataOffset + dataLength;
            identity.ComputeMac(message[WireFormat.MagicOffset..macOffset], message.Slice(macOffset, WireFormat.MacLength));
        }
    }
}
