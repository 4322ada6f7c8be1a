using System.Buffers.Binary;
using PacketDotNet;
using Widescan.Contracts;
using Widescan.Plugin.Probing;

namespace Widescan.Tests.Probing;

/// <summary>The Neighbor Solicitation frame the layer-2 path sends for its gateway, and the advertisement it accepts.</summary>
public sealed class NeighborDiscoveryTests
{
    private const ulong OwnMac = 0x0257_5300_000a;
    private const ulong GatewayMac = 0x0257_5300_000b;
    private static readonly UInt128 Own = Ipv6Address.Parse("2001:db8:1::1");
    private static readonly UInt128 Gateway = Ipv6Address.Parse("2001:db8:1::2");

    [Test]
    public void The_solicitation_goes_to_the_solicited_node_group_with_hop_limit_255_and_a_valid_checksum()
    {
        var frame = new byte[NeighborDiscovery.SolicitationFrameLength];
        Assert.That(NeighborDiscovery.WriteSolicitation(frame, Ipv6Address.Parse("2001:db8:1::12:3456"), Own, OwnMac), Is.EqualTo(86));

        var ip = frame[14..];
        var message = frame[54..];
        Assert.Multiple(() =>
        {
            Assert.That(Convert.ToHexString(frame, 0, 6), Is.EqualTo("3333FF123456"), "33:33 + the group's last 32 bits");
            Assert.That(Convert.ToHexString(frame, 6, 8), Is.EqualTo("02575300000A86DD"));
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(ip.AsSpan(4)), Is.EqualTo(32), "payload: the 32-byte NS");
            Assert.That(ip[6], Is.EqualTo(58));
            Assert.That(ip[7], Is.EqualTo(255));
            Assert.That(Ipv6Address.Format(BinaryPrimitives.ReadUInt128BigEndian(ip.AsSpan(24))), Is.EqualTo("ff02::1:ff12:3456"));
            Assert.That(message[0], Is.EqualTo(135));
            Assert.That(Ipv6Address.Format(BinaryPrimitives.ReadUInt128BigEndian(message.AsSpan(8))), Is.EqualTo("2001:db8:1::12:3456"));
            Assert.That(Convert.ToHexString(message[24..]), Is.EqualTo("010102575300000A"), "source link-layer option with our MAC");
            Assert.That(IcmpChecksum.Verify(Own, Ipv6Address.Parse("ff02::1:ff12:3456"), message), Is.True);
        });

        // An independent parser reads the same message.
        var parsed = Packet.ParsePacket(LinkLayers.Ethernet, frame).Extract<NdpNeighborSolicitationPacket>();
        Assert.That(parsed, Is.Not.Null);
        Assert.That(parsed.TargetAddress.ToString(), Is.EqualTo("2001:db8:1::12:3456"));
    }

    [Test]
    public void An_advertisement_for_the_gateway_gives_its_target_link_layer_address()
    {
        Assert.That(NeighborDiscovery.AdvertisedMac(Advertisement(Gateway, withOption: true), Gateway), Is.EqualTo(GatewayMac));
    }

    [Test]
    public void Without_the_option_the_frame_source_is_the_mac()
    {
        Assert.That(NeighborDiscovery.AdvertisedMac(Advertisement(Gateway, withOption: false, etherSource: 0x0257_5300_00cc), Gateway), Is.EqualTo(0x0257_5300_00ccUL));
    }

    [Test]
    public void Other_targets_forwarded_frames_bad_checksums_and_solicitations_are_not_answers()
    {
        var forwarded = Advertisement(Gateway, withOption: true);
        forwarded[14 + 7] = 254;
        var corrupt = Advertisement(Gateway, withOption: true);
        corrupt[^1] ^= 1;
        var solicitation = new byte[NeighborDiscovery.SolicitationFrameLength];
        NeighborDiscovery.WriteSolicitation(solicitation, Gateway, Own, OwnMac);
        Assert.Multiple(() =>
        {
            Assert.That(NeighborDiscovery.AdvertisedMac(Advertisement(Ipv6Address.Parse("2001:db8:1::9"), withOption: true), Gateway), Is.Null, "another target");
            Assert.That(NeighborDiscovery.AdvertisedMac(forwarded, Gateway), Is.Null, "hop limit below 255");
            Assert.That(NeighborDiscovery.AdvertisedMac(corrupt, Gateway), Is.Null, "checksum");
            Assert.That(NeighborDiscovery.AdvertisedMac(solicitation, Gateway), Is.Null, "our own solicitation, seen going out");
            Assert.That(NeighborDiscovery.AdvertisedMac(forwarded.AsSpan(0, 60), Gateway), Is.Null, "truncated");
        });
    }

    /// <summary>A Neighbor Advertisement frame from the gateway to us, checksummed.</summary>
    private static byte[] Advertisement(UInt128 target, bool withOption, ulong etherSource = GatewayMac)
    {
        var length = withOption ? 32 : 24;
        var frame = new byte[14 + 40 + length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)(OwnMac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(2), unchecked((uint)OwnMac));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(6), (ushort)(etherSource >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), unchecked((uint)etherSource));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x86DD);
        var ip = frame.AsSpan(14);
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)length);
        ip[6] = 58;
        ip[7] = 255;
        BinaryPrimitives.WriteUInt128BigEndian(ip[8..], Gateway);
        BinaryPrimitives.WriteUInt128BigEndian(ip[24..], Own);
        var message = ip[40..];
        message[0] = 136;
        message[4] = 0x60; // solicited, override
        BinaryPrimitives.WriteUInt128BigEndian(message[8..], target);
        if (withOption)
        {
            message[24] = 2;
            message[25] = 1;
            BinaryPrimitives.WriteUInt16BigEndian(message[26..], (ushort)(GatewayMac >> 32));
            BinaryPrimitives.WriteUInt32BigEndian(message[28..], unchecked((uint)GatewayMac));
        }

        BinaryPrimitives.WriteUInt16BigEndian(message[2..], IcmpChecksum.Compute(Gateway, Own, message));
        return frame;
    }
}
