using System.Buffers.Binary;
using Widescan.Plugin.Transport;

namespace Widescan.Tests.Lab;

/// <summary>
/// The smallest honest echo request for lab tests: type 128, code 0, checksum left 0 for the kernel,
/// identifier "WS", sequence = the low 16 bits of the destination, and the destination's low 64 bits
/// as payload so a reply can be checked against the address it came from.
/// </summary>
internal struct EchoRequestWriter : IIcmpv6MessageWriter
{
    public const int Length = 16;
    public const ushort Identifier = 0x5753;

    public int Written;

    public int Write(UInt128 destination, Span<byte> message)
    {
        message[0] = Icmpv6Types.EchoRequest;
        message[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[4..], Identifier);
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], (ushort)destination);
        BinaryPrimitives.WriteUInt64BigEndian(message[8..], (ulong)destination);
        Written++;
        return Length;
    }

    /// <summary>Whether an echo reply carries what this writer sent to <paramref name="source"/>.</summary>
    public static bool IsReplyFrom(ReadOnlySpan<byte> message, UInt128 source) =>
        message.Length >= Length
        && message[0] == Icmpv6Types.EchoReply
        && BinaryPrimitives.ReadUInt16BigEndian(message[4..]) == Identifier
        && BinaryPrimitives.ReadUInt16BigEndian(message[6..]) == (ushort)source
        && BinaryPrimitives.ReadUInt64BigEndian(message[8..]) == (ulong)source;
}
