using System.Buffers.Binary;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Transport;

/// <summary>
/// The kernel's IPv6 neighbour table, read over rtnetlink (an RTM_GETNEIGH dump), for the layer-2
/// fast path: frames go to the next hop's MAC, which the kernel already resolved. The netlink socket
/// belongs to the calling thread's network namespace.
/// </summary>
internal static class NeighbourTable
{
    private const ushort RtmNewNeigh = 28;
    private const ushort RtmGetNeigh = 30;
    private const ushort NdaDst = 1;
    private const ushort NdaLladdr = 2;
    private const ushort NudIncomplete = 0x01;
    private const ushort NudFailed = 0x20;
    private const int NdmsgLength = 12;

    /// <summary>The MAC of <paramref name="address"/> on interface <paramref name="interfaceIndex"/>, null when the kernel has no usable entry.</summary>
    /// <exception cref="IOException">Netlink failed.</exception>
    public static unsafe ulong? MacOf(UInt128 address, int interfaceIndex)
    {
        var fd = Netlink.OpenRoute();
        try
        {
            Span<byte> request = stackalloc byte[Netlink.HeaderLength + NdmsgLength];
            Netlink.WriteDumpRequest(request, RtmGetNeigh, 1, NdmsgLength);
            fixed (byte* p = request)
            {
                if (LibC.send(fd, p, (nuint)request.Length, 0) < 0)
                    throw new IOException($"cannot ask the kernel for its neighbours: {LibC.Describe(LibC.LastErrno)}");
            }

            var buffer = new byte[1 << 16];
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    var n = LibC.recv(fd, p, (nuint)buffer.Length, 0);
                    if (n < 0)
                        throw new IOException($"cannot read the neighbour table: {LibC.Describe(LibC.LastErrno)}");
                    var (done, mac) = Find(buffer.AsSpan(0, (int)n), address, interfaceIndex);
                    if (mac is not null)
                        return mac;
                    if (done || n == 0)
                        return null;
                }
            }
        }
        finally
        {
            RawIcmpv6Socket.Close(fd);
        }
    }

    /// <summary>
    /// Looks for the neighbour in one netlink datagram of a dump (tests feed it crafted ones):
    /// whether the dump ended, and the MAC when a usable entry matched.
    /// </summary>
    internal static (bool Done, ulong? Mac) Find(ReadOnlySpan<byte> datagram, UInt128 address, int interfaceIndex)
    {
        var messages = new Netlink.Messages(datagram);
        while (messages.Next(out var type, out var message))
        {
            if (type != RtmNewNeigh || message.Length < NdmsgLength)
                continue;
            var index = BinaryPrimitives.ReadInt32LittleEndian(message[4..]);
            var state = BinaryPrimitives.ReadUInt16LittleEndian(message[8..]);
            if (message[0] == Netlink.Inet6 && index == interfaceIndex && (state & (NudIncomplete | NudFailed)) == 0
                && Attributes(message[NdmsgLength..], address) is { } mac)
                return (false, mac);
        }

        return (messages.Ended, null);
    }

    /// <summary>The MAC of an entry whose NDA_DST is <paramref name="address"/>, from its rtattrs.</summary>
    private static ulong? Attributes(ReadOnlySpan<byte> attributes, UInt128 address)
    {
        UInt128? destination = null;
        ulong? mac = null;
        var walk = new Netlink.Attributes(attributes);
        while (walk.Next(out var type, out var data))
        {
            if (type == NdaDst && data.Length == 16)
                destination = BinaryPrimitives.ReadUInt128BigEndian(data);
            else if (type == NdaLladdr && data.Length == 6)
                mac = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(data) << 32) | BinaryPrimitives.ReadUInt32BigEndian(data[2..]);
        }

        return destination == address ? mac : null;
    }
}
