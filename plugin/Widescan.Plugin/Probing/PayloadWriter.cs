using System.Buffers.Binary;

namespace Widescan.Plugin.Probing;

/// <summary>Writes the Widescan payload (bytes 8 and up of the ICMPv6 message) for probes and announces.</summary>
internal static class PayloadWriter
{
    /// <summary>
    /// Writes magic, version, type, flags, data length, node id, port, timestamp (Unix microseconds),
    /// nonce and the data (or <paramref name="dataLength"/> zero bytes of padding when
    /// <paramref name="data"/> is empty). The MAC is not written here: it covers the addresses and the
    /// identifier/sequence, which the caller sets per destination (<see cref="Sign"/>).
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
    }

    /// <summary>
    /// With a network key, writes the MAC at the end of a complete message whose identifier and
    /// sequence are set, for the given addresses; without one, does nothing.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="identity">Our identity and keys.</param>
    /// <param name="source">The message's IPv6 source.</param>
    /// <param name="destination">The message's IPv6 destination.</param>
    /// <param name="key">Which key signs (<see cref="WireIdentity.CurrentKey"/>, or the next one to answer a probe signed with it).</param>
    public static void Sign(Span<byte> message, WireIdentity identity, UInt128 source, UInt128 destination, byte key = WireIdentity.CurrentKey)
    {
        if (!identity.Authenticated)
            return;
        int macOffset = message.Length - WireFormat.MacLength;
        identity.ComputeMac(source, destination, message[WireFormat.TypeOffset], message[..macOffset], message[macOffset..], key);
    }
}
