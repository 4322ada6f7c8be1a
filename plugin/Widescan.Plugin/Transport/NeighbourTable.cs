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
    private const int NetlinkRoute = 0;
    private const ushort RtmNewNeigh = 28;
    private const ushort RtmGetNeigh = 30;
    private const ushort NlmsgError = 2;
    private const ushort NlmsgDone = 3;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFDump = 0x300;
    private const ushort NdaDst = 1;
    private const ushort NdaLladdr = 2;
    private const ushort NudIncomplete = 0x01;
    private const ushort NudFailed = 0x20;
    private const int HeaderLength = 16; // nlmsghdr
    private const int NdmsgLength = 12;
    private const byte Inet6 = 10; // AF_INET6

    /// <summary>The MAC of <paramref name="address"/> on interface <paramref name="interfaceIndex"/>, null when the kernel has no usable entry.</summary>
    /// <exception cref="IOException">Netlink failed.</exception>
    public static unsafe ulong? MacOf(UInt128 address, int interfaceIndex)
    {
        var fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE);
        if (fd < 0)
            throw new IOException($"cannot open a netlink socket: {LibC.Describe(LibC.LastErrno)}");
        try
        {
            // A dump that never ends (a broken kernel) must not hang the scan: 2 s per read.
            var timeout = stackalloc long[2] { 2, 0 };
            _ = LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeout, 16);

            Span<byte> request = stackalloc byte[HeaderLength + NdmsgLength];
            request.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)request.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(request[4..], RtmGetNeigh);
            BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NlmFRequest | NlmFDump);
            BinaryPrimitives.WriteUInt32LittleEndian(request[8..], 1);
            request[HeaderLength] = Inet6;
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
        while (datagram.Length >= HeaderLength)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram);
            if (length < HeaderLength || length > datagram.Length)
                return (true, null);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
            if (type is NlmsgDone or NlmsgError)
                return (true, null);
            if (type == RtmNewNeigh && length >= HeaderLength + NdmsgLength)
            {
                var message = datagram[HeaderLength..length];
                var index = BinaryPrimitives.ReadInt32LittleEndian(message[4..]);
                var state = BinaryPrimitives.ReadUInt16LittleEndian(message[8..]);
                if (message[0] == Inet6 && index == interfaceIndex && (state & (NudIncomplete | NudFailed)) == 0
                    && Attributes(message[NdmsgLength..], address) is { } mac)
                    return (false, mac);
            }

            datagram = datagram[Math.Min(datagram.Length, (length + 3) & ~3)..];
        }

        return (false, null);
    }

    /// <summary>The MAC of an entry whose NDA_DST is <paramref name="address"/>, from its rtattrs.</summary>
    private static ulong? Attributes(ReadOnlySpan<byte> attributes, UInt128 address)
    {
        UInt128? destination = null;
        ulong? mac = null;
        while (attributes.Length >= 4)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
            if (length < 4 || length > attributes.Length)
                break;
            var data = attributes[4..length];
            if (type == NdaDst && data.Length == 16)
                destination = BinaryPrimitives.ReadUInt128BigEndian(data);
            else if (type == NdaLladdr && data.Length == 6)
                mac = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(data) << 32) | BinaryPrimitives.ReadUInt32BigEndian(data[2..]);
            attributes = attributes[Math.Min(attributes.Length, (length + 3) & ~3)..];
        }

        return destination == address ? mac : null;
    }
}
