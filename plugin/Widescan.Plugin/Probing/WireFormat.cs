namespace Widescan.Plugin.Probing;

/// <summary>
/// The byte layout of Widescan's ICMPv6 Echo messages (docs/wire-format.md is the specification; the
/// offsets here are its single source in code). All multi-byte fields are big-endian.
/// </summary>
internal static class WireFormat
{
    /// <summary>ICMPv6 Echo Request.</summary>
    public const byte EchoRequest = 128;

    /// <summary>ICMPv6 Echo Reply.</summary>
    public const byte EchoReply = 129;

    /// <summary>ICMPv6 Destination Unreachable (RFC 4443 section 3.1).</summary>
    public const byte DestinationUnreachable = 1;

    /// <summary>ICMPv6 Packet Too Big (RFC 4443 section 3.2).</summary>
    public const byte PacketTooBig = 2;

    /// <summary>ICMPv6 Time Exceeded (RFC 4443 section 3.3).</summary>
    public const byte TimeExceeded = 3;

    /// <summary>ICMPv6 Parameter Problem (RFC 4443 section 3.4): the last error type that quotes a probe.</summary>
    public const byte ParameterProblem = 4;

    /// <summary>An ICMPv6 error's own header: type, code, checksum and 4 bytes (unused, MTU or pointer); the quote follows.</summary>
    public const int ErrorHeaderLength = 8;

    /// <summary>Whether <paramref name="icmpType"/> is one of the errors that quote the invoking packet (types 1 to 4).</summary>
    public static bool IsError(byte icmpType) => icmpType is >= DestinationUnreachable and <= ParameterProblem;

    /// <summary>IPv6 next-header value of ICMPv6.</summary>
    public const byte IcmpV6Protocol = 58;

    /// <summary>The payload's first four bytes, "WSCN".</summary>
    public const uint Magic = 0x5753434E;

    /// <summary>
    /// The only version this code writes and accepts. Version 2 binds the MAC to both addresses and the
    /// tag and carries microsecond timestamps; version 1 messages are ignored (UnknownVersion).
    /// </summary>
    public const byte Version = 2;

    /// <summary>Flag bit 0: a 16-byte MAC (SipHash-2-4-128 under the network key) follows the data.</summary>
    public const byte FlagAuthenticated = 0x01;

    /// <summary>The most application data (announce) or padding (probe) a message carries.</summary>
    public const int MaxDataLength = 24;

    /// <summary>The MAC's length.</summary>
    public const int MacLength = 16;

    /// <summary>The hard ceiling on a probe's ICMPv6 message; every message this format allows fits.</summary>
    public const int MaxProbeLength = 96;

    // ICMPv6 echo header.
    public const int TypeOffset = 0;
    public const int CodeOffset = 1;
    public const int ChecksumOffset = 2;
    public const int IdentifierOffset = 4;
    public const int SequenceOffset = 6;
    public const int EchoHeaderLength = 8;

    // Payload, offsets from the start of the ICMPv6 message.
    public const int MagicOffset = 8;
    public const int VersionOffset = 12;
    public const int MessageTypeOffset = 13;
    public const int FlagsOffset = 14;
    public const int DataLengthOffset = 15;
    public const int NodeIdOffset = 16;
    public const int PortOffset = 32;
    public const int TimestampOffset = 34;
    public const int NonceOffset = 42;
    public const int DataOffset = 50;

    /// <summary>The ICMPv6 message without data and MAC: 8 bytes of echo header and 42 of fixed payload.</summary>
    public const int FixedLength = DataOffset;

    /// <summary>Every probe carries this much zero padding so that any announce answering it is no larger.</summary>
    public const int ProbePaddingLength = MaxDataLength;

    // Ethernet II and IPv6 framing of the layer-2 path.
    public const int EthernetHeaderLength = 14;
    public const ushort EtherTypeIpv6 = 0x86DD;
    public const ushort EtherTypeVlan = 0x8100;
    public const ushort EtherTypeQinQ = 0x88A8;
    public const int Ipv6HeaderLength = 40;
    public const int Ipv6SourceOffset = 8;
    public const int Ipv6DestinationOffset = 24;

    /// <summary>Length of an ICMPv6 message with the given data length, with or without a MAC.</summary>
    public static int MessageLength(int dataLength, bool authenticated) =>
        FixedLength + dataLength + (authenticated ? MacLength : 0);

    /// <summary>Length of every probe this node sends.</summary>
    public static int ProbeLength(bool authenticated) => MessageLength(ProbePaddingLength, authenticated);

    /// <summary>The wire timestamp of a moment: Unix time in microseconds.</summary>
    public static ulong Timestamp(DateTimeOffset moment) => (ulong)((moment.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond);

    /// <summary>The wire timestamp of now on <paramref name="time"/>.</summary>
    public static ulong Now(TimeProvider time) => Timestamp(time.GetUtcNow());
}

/// <summary>The message type byte of the payload.</summary>
internal enum MessageType : byte
{
    /// <summary>A scanner's echo request; echoed back by plain hosts, answered with an announce by Widescan nodes.</summary>
    Probe = 1,

    /// <summary>A node's identity, port and application data.</summary>
    Announce = 2,
}
