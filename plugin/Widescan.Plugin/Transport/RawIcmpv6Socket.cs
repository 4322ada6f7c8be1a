using System.Buffers.Binary;
using System.Text;
using Widescan.Contracts;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Transport;

/// <summary>
/// Opens and configures raw ICMPv6 sockets as plain file descriptors: the sender and receiver drive
/// them with sendmmsg/recvmmsg, which <see cref="System.Net.Sockets.Socket"/> does not expose.
/// A raw socket belongs for life to the network namespace of the thread that created it.
/// </summary>
internal static unsafe class RawIcmpv6Socket
{
    /// <summary>Opens a raw ICMPv6 socket; the kernel fills in the ICMPv6 checksum of what it sends.</summary>
    /// <exception cref="MissingCapabilityException">EPERM or EACCES: no CAP_NET_RAW.</exception>
    /// <exception cref="IOException">Any other failure, with the errno.</exception>
    public static int Open(bool nonBlocking)
    {
        var type = LibC.SOCK_RAW | LibC.SOCK_CLOEXEC | (nonBlocking ? LibC.SOCK_NONBLOCK : 0);
        var fd = LibC.socket(LibC.AF_INET6, type, LibC.IPPROTO_ICMPV6);
        if (fd >= 0)
            return fd;
        var errno = LibC.LastErrno;
        if (errno is LibC.EPERM or LibC.EACCES)
            throw new MissingCapabilityException();
        throw new IOException($"cannot open a raw ICMPv6 socket: {LibC.Describe(errno)}");
    }

    /// <summary>Asks for each received message's destination address (IPV6_PKTINFO ancillary data).</summary>
    public static void EnablePacketInfo(int fd)
    {
        var on = 1;
        Check(LibC.setsockopt(fd, LibC.IPPROTO_IPV6, LibC.IPV6_RECVPKTINFO, &on, sizeof(int)), "set IPV6_RECVPKTINFO");
    }

    /// <summary>Asks for each received message's kernel arrival time (SO_TIMESTAMPNS ancillary data).</summary>
    public static void EnableTimestamps(int fd)
    {
        var on = 1;
        Check(LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_TIMESTAMPNS, &on, sizeof(int)), "set SO_TIMESTAMPNS");
    }

    /// <summary>The receive buffer the kernel actually gave (SO_RCVBUF reads back twice the bytes asked, for its bookkeeping).</summary>
    public static int ReceiveBufferSize(int fd)
    {
        var value = 0;
        var length = (uint)sizeof(int);
        Check(LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, &value, &length), "read SO_RCVBUF");
        return value;
    }

    /// <summary>
    /// The socket's receive queue and drop counter (SO_MEMINFO): bytes queued (SK_MEMINFO_RMEM_ALLOC,
    /// counted as the kernel charges them, so including its per-packet overhead), the buffer they are
    /// charged against (SK_MEMINFO_RCVBUF) and the packets dropped because it was full
    /// (SK_MEMINFO_DROPS). Safe from any thread while the socket is open.
    /// </summary>
    public static ReceiveBacklog ReadBacklog(int fd)
    {
        // u32[SK_MEMINFO_VARS]: RMEM_ALLOC, RCVBUF, WMEM_ALLOC, SNDBUF, FWD_ALLOC, WMEM_QUEUED, OPTMEM, BACKLOG, DROPS.
        const int Vars = 9;
        var info = stackalloc uint[Vars];
        var length = (uint)(Vars * sizeof(uint));
        Check(LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_MEMINFO, info, &length), "read SO_MEMINFO");
        return new ReceiveBacklog(info[0], info[1], length >= Vars * sizeof(uint) ? info[8] : 0);
    }

    /// <summary>Lets only the given ICMPv6 types reach this socket's receive queue.</summary>
    public static void SetFilter(int fd, ReadOnlySpan<byte> passTypes)
    {
        var filter = Icmp6Filter.BlockAll();
        foreach (var type in passTypes)
            filter.Pass(type);
        Check(LibC.setsockopt(fd, LibC.IPPROTO_ICMPV6, LibC.ICMP6_FILTER, &filter, (uint)sizeof(Icmp6Filter)),
            "set ICMP6_FILTER");
    }

    /// <summary>The ICMPv6 types this socket's ICMP6_FILTER passes, read back from the kernel.</summary>
    public static byte[] PassedTypes(int fd)
    {
        var filter = default(Icmp6Filter);
        var length = (uint)sizeof(Icmp6Filter);
        Check(LibC.getsockopt(fd, LibC.IPPROTO_ICMPV6, LibC.ICMP6_FILTER, &filter, &length), "read ICMP6_FILTER");
        var passed = new List<byte>();
        for (var type = 0; type < 256; type++)
        {
            if (!filter.Blocks((byte)type))
                passed.Add((byte)type);
        }

        return [.. passed];
    }

    /// <summary>
    /// Sets a socket buffer size, first with the *FORCE option (root may exceed net.core.*mem_max),
    /// then with the plain one, which the kernel caps silently.
    /// </summary>
    /// <returns>True when the forced size took (CAP_NET_ADMIN); false when the plain option, capped by net.core.*mem_max, was used.</returns>
    public static bool SetBufferSize(int fd, bool receive, int bytes)
    {
        var value = bytes;
        var force = receive ? LibC.SO_RCVBUFFORCE : LibC.SO_SNDBUFFORCE;
        if (LibC.setsockopt(fd, LibC.SOL_SOCKET, force, &value, sizeof(int)) == 0)
            return true;
        var plain = receive ? LibC.SO_RCVBUF : LibC.SO_SNDBUF;
        Check(LibC.setsockopt(fd, LibC.SOL_SOCKET, plain, &value, sizeof(int)), "set the socket buffer size");
        return false;
    }

    /// <summary>Binds the socket to one interface (SO_BINDTODEVICE) so it sends and hears only there.</summary>
    public static void BindToDevice(int fd, string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        if (interfaceName.Length >= 16)
            throw new ArgumentException($"interface name '{interfaceName}' is longer than 15 characters", nameof(interfaceName));
        Span<byte> name = stackalloc byte[16];
        name.Clear();
        Encoding.ASCII.GetBytes(interfaceName, name);
        fixed (byte* p = name)
        {
            if (LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_BINDTODEVICE, p, (uint)interfaceName.Length + 1) != 0)
                throw new IOException($"cannot bind to interface '{interfaceName}': {LibC.Describe(LibC.LastErrno)}");
        }
    }

    /// <summary>Binds the socket to a local source address.</summary>
    public static void BindToAddress(int fd, UInt128 source)
    {
        var address = default(SockaddrIn6);
        address.Family = LibC.AF_INET6;
        BinaryPrimitives.WriteUInt128BigEndian(new Span<byte>(address.Address, 16), source);
        if (LibC.bind(fd, &address, (uint)sizeof(SockaddrIn6)) != 0)
        {
            throw new IOException(
                $"cannot bind to source address {Widescan.Contracts.Ipv6Address.Format(source)}: {LibC.Describe(LibC.LastErrno)}");
        }
    }

    public static void Close(int fd)
    {
        if (fd >= 0)
            LibC.close(fd);
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
            throw new IOException($"cannot {what}: {LibC.Describe(LibC.LastErrno)}");
    }
}
