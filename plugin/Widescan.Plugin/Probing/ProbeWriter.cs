using System.Buffers.Binary;

namespace Widescan.Plugin.Probing;

/// <summary>The link-layer and IPv6 fields of a layer-2 probe frame that stay the same for a whole scan.</summary>
/// <param name="DestinationMac">The next hop's MAC (the gateway's, or the target's on link), low 48 bits.</param>
/// <param name="SourceMac">Our interface's MAC, low 48 bits.</param>
/// <param name="Source">Our IPv6 source address.</param>
/// <param name="HopLimit">The IPv6 hop limit.</param>
internal readonly record struct LinkAddressing(ulong DestinationMac, ulong SourceMac, UInt128 Source, byte HopLimit = 64);

/// <summary>
/// Writes probes into reused buffers, zmap style: <see cref="WriteMessage"/> or <see cref="WriteFrame"/>
/// writes the fixed bytes once per buffer (and again only when the timestamp changes, e.g. per batch);
/// per target, <see cref="SetTarget"/> and <see cref="SetFrameTarget"/> change only the destination, the
/// identifier/sequence tag, with a network key the MAC (it covers both addresses and the tag), and
/// the checksum. Nothing is allocated; no I/O.
/// </summary>
internal sealed class ProbeWriter
{
    private readonly WireIdentity _identity;
    private readonly ValidationTag _tag;
    private readonly UInt128 _source;

    /// <summary>Creates a writer for this node and scan secret.</summary>
    /// <param name="identity">Our identity and network key.</param>
    /// <param name="tag">The scan's validation secret.</param>
    /// <param name="source">
    /// The address the raw-socket probes leave from (the socket is bound to it), which a keyed probe's
    /// MAC covers; frames use the source in their own IPv6 header.
    /// </param>
    public ProbeWriter(WireIdentity identity, ValidationTag tag, UInt128 source)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(tag);
        _identity = identity;
        _tag = tag;
        _source = source;
        MessageLength = WireFormat.ProbeLength(identity.Authenticated);
    }

    /// <summary>The source address the MAC of raw-socket probes covers.</summary>
    public UInt128 Source => _source;

    /// <summary>Length of the ICMPv6 probe message: 74 bytes, or 90 with a network key.</summary>
    public int MessageLength { get; }

    /// <summary>Length of the whole Ethernet + IPv6 + ICMPv6 frame.</summary>
    public int FrameLength => WireFormat.EthernetHeaderLength + WireFormat.Ipv6HeaderLength + MessageLength;

    /// <summary>
    /// Writes the probe's ICMPv6 message for the raw-socket path (the kernel fills in the checksum) with a
    /// zero tag; call <see cref="SetTarget"/> per destination.
    /// </summary>
    /// <exception cref="ArgumentException">The buffer is shorter than <see cref="MessageLength"/>.</exception>
    public void WriteMessage(Span<byte> message, ulong timestamp)
    {
        if (message.Length < MessageLength)
            throw new ArgumentException($"a probe needs {MessageLength} bytes; the buffer has {message.Length}", nameof(message));
        message = message[..MessageLength];
        message[WireFormat.TypeOffset] = WireFormat.EchoRequest;
        message[WireFormat.CodeOffset] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message[WireFormat.ChecksumOffset..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(message[WireFormat.IdentifierOffset..], 0);
        PayloadWriter.Write(message, _identity, MessageType.Probe, default, WireFormat.ProbePaddingLength, timestamp, _tag.ProbeNonce);
    }

    /// <summary>Sets the tag (and, keyed, the MAC) of a message written by <see cref="WriteMessage"/> for one destination.</summary>
    public void SetTarget(Span<byte> message, UInt128 destination)
    {
        message = message[..MessageLength];
        ulong timestamp = BinaryPrimitives.ReadUInt64BigEndian(message[WireFormat.TimestampOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(message[WireFormat.IdentifierOffset..], _tag.Compute(destination, timestamp));
        PayloadWriter.Sign(message, _identity, _source, destination);
    }

    /// <summary>
    /// Writes a whole layer-2 probe frame: Ethernet II, IPv6 (destination ::) and the ICMPv6 message with
    /// a zero tag and the checksum that matches them; call <see cref="SetFrameTarget"/> per destination.
    /// </summary>
    /// <exception cref="ArgumentException">The buffer is shorter than <see cref="FrameLength"/>.</exception>
    public void WriteFrame(Span<byte> frame, in LinkAddressing link, ulong timestamp)
    {
        if (frame.Length < FrameLength)
            throw new ArgumentException($"a probe frame needs {FrameLength} bytes; the buffer has {frame.Length}", nameof(frame));
        WriteMac(frame, link.DestinationMac);
        WriteMac(frame[6..], link.SourceMac);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], WireFormat.EtherTypeIpv6);

        var ip = frame.Slice(WireFormat.EthernetHeaderLength, WireFormat.Ipv6HeaderLength);
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x60000000); // version 6, traffic class 0, flow label 0
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)MessageLength);
        ip[6] = WireFormat.IcmpV6Protocol;
        ip[7] = link.HopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(ip[WireFormat.Ipv6SourceOffset..], link.Source);
        BinaryPrimitives.WriteUInt128BigEndian(ip[WireFormat.Ipv6DestinationOffset..], UInt128.Zero);

        var message = frame.Slice(WireFormat.EthernetHeaderLength + WireFormat.Ipv6HeaderLength, MessageLength);
        WriteMessage(message, timestamp);
        PayloadWriter.Sign(message, _identity, link.Source, UInt128.Zero);
        BinaryPrimitives.WriteUInt16BigEndian(message[WireFormat.ChecksumOffset..], IcmpChecksum.Compute(link.Source, UInt128.Zero, message));
    }

    /// <summary>
    /// Points a frame written by <see cref="WriteFrame"/> at one destination: writes the address, the
    /// tag and (keyed) the MAC, and updates the checksum incrementally (RFC 1624, eqn. 3) from the words
    /// that changed, so the frame may be reused for target after target.
    /// </summary>
    public void SetFrameTarget(Span<byte> frame, UInt128 destination)
    {
        var ip = frame.Slice(WireFormat.EthernetHeaderLength, WireFormat.Ipv6HeaderLength);
        var message = frame.Slice(WireFormat.EthernetHeaderLength + WireFormat.Ipv6HeaderLength, MessageLength);
        UInt128 oldDestination = BinaryPrimitives.ReadUInt128BigEndian(ip[WireFormat.Ipv6DestinationOffset..]);
        uint oldTag = BinaryPrimitives.ReadUInt32BigEndian(message[WireFormat.IdentifierOffset..]);
        ushort oldChecksum = BinaryPrimitives.ReadUInt16BigEndian(message[WireFormat.ChecksumOffset..]);
        ulong timestamp = BinaryPrimitives.ReadUInt64BigEndian(message[WireFormat.TimestampOffset..]);
        uint tag = _tag.Compute(destination, timestamp);

        ulong sum = (ushort)~oldChecksum;
        sum = IcmpChecksum.Add(sum, ~oldDestination);
        sum = IcmpChecksum.Add(sum, destination);
        sum += ~oldTag;
        sum += tag;

        BinaryPrimitives.WriteUInt128BigEndian(ip[WireFormat.Ipv6DestinationOffset..], destination);
        BinaryPrimitives.WriteUInt32BigEndian(message[WireFormat.IdentifierOffset..], tag);
        if (_identity.Authenticated)
        {
            // The MAC is the last 16 bytes at an even offset (74 bytes in), so it enters the sum as
            // one 128-bit word like the address.
            var macField = message[^WireFormat.MacLength..];
            UInt128 oldMac = BinaryPrimitives.ReadUInt128BigEndian(macField);
            UInt128 source = BinaryPrimitives.ReadUInt128BigEndian(ip[WireFormat.Ipv6SourceOffset..]);
            PayloadWriter.Sign(message, _identity, source, destination);
            sum = IcmpChecksum.Add(sum, ~oldMac);
            sum = IcmpChecksum.Add(sum, BinaryPrimitives.ReadUInt128BigEndian(macField));
        }

        BinaryPrimitives.WriteUInt16BigEndian(message[WireFormat.ChecksumOffset..], (ushort)~IcmpChecksum.Fold(sum));
    }

    private static void WriteMac(Span<byte> destination, ulong mac)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(mac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)mac);
    }
}
