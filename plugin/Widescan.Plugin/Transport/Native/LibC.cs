using System.Runtime.InteropServices;

namespace Widescan.Plugin.Transport.Native;

/// <summary>
/// The few libc calls the transport needs that .NET's Socket does not offer (sendmmsg, recvmmsg,
/// setns) or offers only with an allocation per call. Every signature is blittable, so the source
/// generator emits a direct call with no marshalling stub work.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int setsockopt(int fd, int level, int option, void* value, uint length);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int getsockopt(int fd, int level, int option, void* value, uint* length);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int bind(int fd, SockaddrIn6* address, uint length);

    [LibraryImport(Library, EntryPoint = "bind", SetLastError = true)]
    internal static partial int bindLink(int fd, SockaddrLl* address, uint length);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int getsockname(int fd, SockaddrLl* address, uint* length);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial uint if_nametoindex(byte* name);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial nint send(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial nint recv(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int sendmmsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int recvmmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int poll(PollFd* fds, ulong count, int timeoutMilliseconds);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int setns(int fd, int namespaceType);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int shutdown(int fd, int how);

    internal const int AF_INET6 = 10;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int IPPROTO_ICMPV6 = 58;
    internal const int IPPROTO_IPV6 = 41;
    internal const int IPV6_RECVPKTINFO = 49;
    internal const int IPV6_PKTINFO = 50;

    internal const int AF_NETLINK = 16;
    internal const int NETLINK_ROUTE = 0;
    internal const int SO_RCVTIMEO = 20;
    internal const int AF_PACKET = 17;
    internal const ushort ETH_P_IPV6 = 0x86DD;
    internal const int SOL_PACKET = 263;
    internal const int PACKET_QDISC_BYPASS = 20;

    internal const int SOL_SOCKET = 1;
    internal const int SO_SNDBUF = 7;
    internal const int SO_RCVBUF = 8;
    internal const int SO_SNDBUFFORCE = 32;
    internal const int SO_RCVBUFFORCE = 33;
    internal const int SO_BINDTODEVICE = 25;

    /// <summary>ICMP6_FILTER at level IPPROTO_ICMPV6 (linux/icmpv6.h).</summary>
    internal const int ICMP6_FILTER = 1;

    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_TRUNC = 0x20;
    internal const short POLLIN = 0x1;
    internal const int CLONE_NEWNET = 0x40000000;

    internal const int EPERM = 1;
    internal const int EINTR = 4;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EACCES = 13;
    internal const int ENOBUFS = 105;

    /// <summary>The errno of the last failed call on this thread, with its name for error messages.</summary>
    internal static int LastErrno => Marshal.GetLastPInvokeError();

    internal static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
