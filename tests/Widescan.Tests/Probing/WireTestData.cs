using System.Buffers.Binary;
using Widescan.Contracts;
using Widescan.Plugin.Probing;

namespace Widescan.Tests.Probing;

/// <summary>The deterministic inputs of the golden vectors (docs/wire-format.md quotes the same values) and packet builders.</summary>
internal static class WireTestData
{
    public const ushort OurPort = 4242;
    public const ushort PeerPort = 4343;
    public const ulong Timestamp = 1_790_000_000_000_000; // Unix microseconds: 2026-09-21T13:33:20Z
    public const ulong GatewayMac = 0x02_00_00_00_00_01;
    public const ulong OurMac = 0x02_00_00_00_00_02;
    public const ulong AnnounceNonce = 0x0123456789ABCDEF;

    public static readonly byte[] Secret = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
    public static readonly NodeId OurNode = NodeId.Parse("00112233445566778899aabbccddeeff");
    public static readonly NodeId PeerNode = NodeId.Parse("f0e1d2c3b4a5968778695a4b3c2d1e0f");
    public static readonly byte[] NetworkKey = "widescan golden vector key 00001"u8.ToArray();
    public static readonly byte[] PeerData = "widescan"u8.ToArray();
    public static readonly UInt128 Us = Ipv6Address.Parse("2001:db8::100");
    public static readonly UInt128 Target = Ipv6Address.Parse("2001:db8::1");

    public static ValidationTag Tag() => new(Secret);

    public static WireIdentity Ours(bool keyed) => new(OurNode, OurPort, keyed ? NetworkKey : default);

    public static WireIdentity Peer(bool keyed) => new(PeerNode, PeerPort, keyed ? NetworkKey : default, PeerData);

    /// <summary>A clock <paramref name="offsetMs"/> milliseconds after <see cref="Timestamp"/>.</summary>
    public static ManualClock Clock(long offsetMs = 0) => ManualClock.At((ulong)((long)Timestamp + (offsetMs * 1000)));

    /// <summary>Our probe from <see cref="Us"/> to <paramref name="destination"/> as the raw socket sends it (checksum 0).</summary>
    public static byte[] Probe(bool keyed, UInt128 destination, ulong timestamp = Timestamp)
    {
        var writer = new ProbeWriter(Ours(keyed), Tag(), Us);
        var message = new byte[writer.MessageLength];
        writer.WriteMessage(message, timestamp);
        writer.SetTarget(message, destination);
        return message;
    }

    /// <summary>What a plain host sends back for a probe: the same message as an echo reply.</summary>
    public static byte[] EchoOf(byte[] probe)
    {
        var reply = (byte[])probe.Clone();
        reply[0] = 129;
        reply[2] = reply[3] = 0;
        return reply;
    }

    /// <summary>
    /// The peer's announce answering <paramref name="probe"/> (echo reply, probe's tag and timestamp),
    /// as the peer at <paramref name="at"/> (the probe's destination, <see cref="Target"/> by default) sends it back to <see cref="Us"/>.
    /// </summary>
    public static byte[] AnnounceAnswering(byte[] probe, bool keyed, ulong nonce = AnnounceNonce, UInt128? at = null)
    {
        var classifier = new PacketClassifier(Peer(keyed), new ValidationTag(new byte[16]), Clock());
        var seen = classifier.ClassifyIcmp(probe, Us, at ?? Target);
        Assert.That(seen.Kind, Is.EqualTo(PacketKind.ProbeReceived), "the peer must see our probe as a probe");
        var writer = new AnnounceWriter(Peer(keyed), Clock(), nonce);
        var message = new byte[writer.MessageLength];
        writer.WriteReply(message, seen);
        return message;
    }

    /// <summary>Independent RFC 1071 checksum: a plain 16-bit loop over an explicit pseudo-header.</summary>
    public static ushort NaiveChecksum(UInt128 source, UInt128 destination, ReadOnlySpan<byte> icmp)
    {
        var bytes = new byte[40 + icmp.Length + 1];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, source);
        BinaryPrimitives.WriteUInt128BigEndian(bytes.AsSpan(16), destination);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(32), (uint)icmp.Length);
        bytes[39] = 58;
        icmp.CopyTo(bytes.AsSpan(40));
        bytes[42] = bytes[43] = 0; // the checksum field counts as zero
        uint sum = 0;
        for (int i = 0; i + 1 < bytes.Length; i += 2)
        {
            sum += (uint)((bytes[i] << 8) | bytes[i + 1]);
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>
    /// An IPv6 packet around an ICMPv6 message, with a correct checksum and optional extension headers
    /// (each given as its complete bytes; their first byte, the next header, is filled in).
    /// </summary>
    public static byte[] Ipv6(UInt128 source, UInt128 destination, ReadOnlySpan<byte> icmp, params (byte Type, byte[] Bytes)[] headers)
    {
        int extLength = headers.Sum(h => h.Bytes.Length);
        var packet = new byte[40 + extLength + icmp.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, 0x60000000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(extLength + icmp.Length));
        packet[6] = headers.Length > 0 ? headers[0].Type : (byte)58;
        packet[7] = 64;
        BinaryPrimitives.WriteUInt128BigEndian(packet.AsSpan(8), source);
        BinaryPrimitives.WriteUInt128BigEndian(packet.AsSpan(24), destination);
        int offset = 40;
        for (int i = 0; i < headers.Length; i++)
        {
            headers[i].Bytes.CopyTo(packet, offset);
            packet[offset] = i + 1 < headers.Length ? headers[i + 1].Type : (byte)58;
            offset += headers[i].Bytes.Length;
        }

        icmp.CopyTo(packet.AsSpan(offset));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(offset + 2), NaiveChecksum(source, destination, icmp));
        return packet;
    }

    /// <summary>An Ethernet II frame around an IPv6 packet.</summary>
    public static byte[] Ethernet(byte[] ipv6, ulong destinationMac = OurMac, ulong sourceMac = GatewayMac)
    {
        var frame = new byte[14 + ipv6.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)(destinationMac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(2), (uint)destinationMac);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(6), (ushort)(sourceMac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), (uint)sourceMac);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x86DD);
        ipv6.CopyTo(frame, 14);
        return frame;
    }

    /// <summary>The router on the path that answers with errors (a documentation address).</summary>
    public static readonly UInt128 Router = Ipv6Address.Parse("2001:db8:ff::1");

    /// <summary>Our probe to <paramref name="destination"/> as it left us: its IPv6 packet (with optional extension headers), checksum as the kernel fills it.</summary>
    public static byte[] SentProbe(bool keyed, UInt128 destination, ulong timestamp = Timestamp, params (byte Type, byte[] Bytes)[] headers) =>
        Ipv6(Us, destination, Probe(keyed, destination, timestamp), headers);

    /// <summary>
    /// An ICMPv6 error as a router sends it (checksum 0: the raw-socket form; <see cref="Ipv6"/> fills
    /// it): type, code, 4 bytes (the MTU for Packet Too Big, the pointer for Parameter Problem), then
    /// as much of <paramref name="invoking"/> as fits in the minimum MTU (RFC 4443 2.4 (c)), or the
    /// first <paramref name="quoteLength"/> bytes of it.
    /// </summary>
    public static byte[] ErrorOf(byte type, byte code, byte[] invoking, int? quoteLength = null)
    {
        int quoted = Math.Min(quoteLength ?? invoking.Length, 1280 - 40 - 8);
        var error = new byte[8 + quoted];
        error[0] = type;
        error[1] = code;
        uint word = type switch { 2 => 1280u, 4 => 6u, _ => 0u };
        BinaryPrimitives.WriteUInt32BigEndian(error.AsSpan(4), word);
        invoking.AsSpan(0, quoted).CopyTo(error.AsSpan(8));
        return error;
    }

    /// <summary>The error as the router's IPv6 packet to us (checksum filled).</summary>
    public static byte[] ErrorPacket(byte[] error, UInt128? router = null) => Ipv6(router ?? Router, Us, error);

    public static byte[] Hex(string hex) => Convert.FromHexString(string.Concat(hex.Where(char.IsAsciiHexDigit)));
}
