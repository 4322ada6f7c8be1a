using System.Buffers.Binary;
using Widescan.Contracts;
using Widescan.Plugin.Transport;

namespace Widescan.Tests.Transport;

/// <summary>Reading the gateway's MAC out of an rtnetlink neighbour dump, as the layer-2 path does.</summary>
public sealed class NeighbourTableTests
{
    private static readonly UInt128 Gateway = Ipv6Address.Parse("2001:db8:1::2");

    [Test]
    public void The_usable_entry_of_the_address_on_the_interface_gives_its_mac()
    {
        var dump = Concat(
            Neighbour(Ipv6Address.Parse("2001:db8:1::9"), 3, 0x80, 0x02575300000aUL), // another address
            Neighbour(Gateway, 4, 0x80, 0x02575300000cUL),                          // another interface
            Neighbour(Gateway, 3, 0x01, 0x02575300000dUL),                          // INCOMPLETE
            Neighbour(Gateway, 3, 0x04, 0x02575300000bUL));                         // STALE: usable
        Assert.That(NeighbourTable.Find(dump, Gateway, 3), Is.EqualTo((false, (ulong?)0x02575300000bUL)));
    }

    [Test]
    public void The_end_of_the_dump_or_a_damaged_message_gives_no_mac()
    {
        var done = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(done, 16);
        BinaryPrimitives.WriteUInt16LittleEndian(done.AsSpan(4), 3); // NLMSG_DONE
        var damaged = Neighbour(Gateway, 3, 0x80, 0x02575300000bUL);
        BinaryPrimitives.WriteUInt32LittleEndian(damaged, 4_000); // longer than the datagram
        Assert.Multiple(() =>
        {
            Assert.That(NeighbourTable.Find(done, Gateway, 3), Is.EqualTo((true, (ulong?)null)));
            Assert.That(NeighbourTable.Find(damaged, Gateway, 3).Mac, Is.Null);
            Assert.That(NeighbourTable.Find(Neighbour(Gateway, 3, 0x20, 1), Gateway, 3).Mac, Is.Null, "FAILED entries are not usable");
        });
    }

    /// <summary>One RTM_NEWNEIGH message: nlmsghdr, ndmsg, NDA_DST and NDA_LLADDR.</summary>
    private static byte[] Neighbour(UInt128 address, int interfaceIndex, ushort state, ulong mac)
    {
        var message = new byte[16 + 12 + 20 + 12];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), 28);
        message[16] = 10; // AF_INET6
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(20), interfaceIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(24), state);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(28), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(30), 1);
        BinaryPrimitives.WriteUInt128BigEndian(message.AsSpan(32), address);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(48), 10);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(50), 2);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(52), (ushort)(mac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(54), (uint)mac);
        return message;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
