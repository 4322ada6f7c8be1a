using System.Buffers.Binary;
using Widescan.Contracts;
using Widescan.Plugin.Transport;

namespace Widescan.Tests.Transport;

/// <summary>The raw receiver's reading of IPV6_PKTINFO control messages (the destination a probe was sent to).</summary>
public sealed class PacketInfoTests
{
    [Test]
    public void The_destination_is_read_from_the_pktinfo_message_and_other_messages_are_skipped()
    {
        var destination = Ipv6Address.Parse("2001:db8:100::6f96");
        var control = new byte[64];
        Cmsg(control, 0, level: 41, type: 57, dataLength: 4); // IPV6_HOPLIMIT, first
        Cmsg(control, 24, level: 41, type: 50, dataLength: 20); // IPV6_PKTINFO
        BinaryPrimitives.WriteUInt128BigEndian(control.AsSpan(24 + 16), destination);
        Assert.That(RawIcmpv6Receiver.PacketInfoDestination(control), Is.EqualTo(destination));
    }

    [Test]
    public void The_kernel_arrival_time_is_read_from_the_timestampns_message_to_the_tick()
    {
        var arrival = new DateTimeOffset(2026, 12, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_567);
        var since = arrival - DateTimeOffset.UnixEpoch;
        var control = new byte[128];
        Cmsg(control, 0, level: 41, type: 50, dataLength: 20); // IPV6_PKTINFO, then SCM_TIMESTAMPNS
        var destination = Ipv6Address.Parse("2001:db8:100::1");
        BinaryPrimitives.WriteUInt128BigEndian(control.AsSpan(16), destination);
        Cmsg(control, 40, level: 1, type: 35, dataLength: 16);
        BinaryPrimitives.WriteInt64LittleEndian(control.AsSpan(56), since.Ticks / TimeSpan.TicksPerSecond);
        BinaryPrimitives.WriteInt64LittleEndian(control.AsSpan(64), since.Ticks % TimeSpan.TicksPerSecond * 100 + 42); // ns below a tick are dropped
        Assert.Multiple(() =>
        {
            Assert.That(RawIcmpv6Receiver.ReadControl(control, out var ticks), Is.EqualTo(destination));
            Assert.That(ticks, Is.EqualTo(arrival.UtcTicks));
        });

        // A nonsense time (nanoseconds past a second) is no time at all, not a wrong one.
        BinaryPrimitives.WriteInt64LittleEndian(control.AsSpan(64), 1_000_000_000);
        RawIcmpv6Receiver.ReadControl(control, out var none);
        Assert.That(none, Is.Zero);
    }

    [Test]
    public void No_or_damaged_control_data_gives_zero()
    {
        var damaged = new byte[64];
        Cmsg(damaged, 0, level: 41, type: 50, dataLength: 200); // claims more than the buffer holds
        Assert.Multiple(() =>
        {
            Assert.That(RawIcmpv6Receiver.PacketInfoDestination([]), Is.EqualTo(UInt128.Zero));
            Assert.That(RawIcmpv6Receiver.PacketInfoDestination(new byte[64]), Is.EqualTo(UInt128.Zero));
            Assert.That(RawIcmpv6Receiver.PacketInfoDestination(damaged), Is.EqualTo(UInt128.Zero));
        });
    }

    private static void Cmsg(byte[] buffer, int offset, int level, int type, int dataLength)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(offset), (ulong)(16 + dataLength));
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(offset + 8), level);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(offset + 12), type);
    }
}
