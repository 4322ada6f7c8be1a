using System.Buffers.Binary;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;
using Widescan.Contracts;
using Widescan.Plugin.Probing;

namespace Widescan.Tests.Discovery;

/// <summary>One probe of a dry run's file, as libpcap read it and PacketDotNet parsed it.</summary>
internal readonly record struct DryRunProbe(UInt128 Source, UInt128 Destination, byte[] Message);

/// <summary>Reads a dry run's pcap with libpcap (SharpPcap's file reader) and checks each record's IPv6 and ICMPv6 headers.</summary>
internal static class DryRunFile
{
    // libpcap maps the file's LINKTYPE_RAW (101) to its DLT_RAW, 12 on Linux.
    private const LinkLayers DltRaw = (LinkLayers)12;

    public static List<DryRunProbe> Read(string path)
    {
        var header = new byte[24];
        using (var file = File.OpenRead(path))
            file.ReadExactly(header);
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(header), Is.EqualTo(0xa1b2c3d4), "pcap magic (microseconds)");
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(20)), Is.EqualTo(101), "LINKTYPE_RAW");

        var probes = new List<DryRunProbe>();
        using var reader = new CaptureFileReaderDevice(path);
        reader.Open();
        Assert.That(reader.LinkType, Is.EqualTo(DltRaw).Or.EqualTo(LinkLayers.Raw));
        while (reader.GetNextPacket(out var capture) == GetPacketStatus.PacketRead)
        {
            var data = capture.Data.ToArray();
            var ip = Packet.ParsePacket(LinkLayers.Raw, data).Extract<IPv6Packet>();
            Assert.That(ip, Is.Not.Null, "every record is an IPv6 packet");
            Assert.That(ip!.Protocol, Is.EqualTo(ProtocolType.IcmpV6));
            Assert.That(ip.PayloadLength, Is.EqualTo(data.Length - 40), "the IPv6 payload length covers the message");
            Assert.That(ip.HopLimit, Is.EqualTo(64));
            var icmp = ip.Extract<IcmpV6Packet>();
            Assert.That(icmp, Is.Not.Null);
            Assert.That(icmp!.Type, Is.EqualTo(IcmpV6Type.EchoRequest));
            var source = Ipv6Address.FromIPAddress(ip.SourceAddress);
            var destination = Ipv6Address.FromIPAddress(ip.DestinationAddress);
            var message = data[40..];
            probes.Add(new DryRunProbe(source, destination, message));
        }

        return probes;
    }

    /// <summary>Whether the message's checksum is the one our own code computes over its pseudo-header (field zeroed).</summary>
    public static bool ChecksumIsRight(DryRunProbe probe)
    {
        var copy = probe.Message.ToArray();
        var carried = BinaryPrimitives.ReadUInt16BigEndian(copy.AsSpan(WireFormat.ChecksumOffset));
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(WireFormat.ChecksumOffset), 0);
        return carried != 0 && carried == IcmpChecksum.Compute(probe.Source, probe.Destination, copy);
    }

    /// <summary>Whether the identifier and sequence are the run's validation tag for the destination and the probe's timestamp.</summary>
    public static bool TagIsRight(DryRunProbe probe, byte[] secret)
    {
        var timestamp = BinaryPrimitives.ReadUInt64BigEndian(probe.Message.AsSpan(WireFormat.TimestampOffset));
        var tag = BinaryPrimitives.ReadUInt32BigEndian(probe.Message.AsSpan(WireFormat.IdentifierOffset));
        return tag == new ValidationTag(secret).Compute(probe.Destination, timestamp);
    }
}
