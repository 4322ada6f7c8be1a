using System.Runtime.InteropServices;

namespace Widescan.Plugin.Transport.Native;

// Layouts follow the LP64 ABI shared by x86-64 and arm64 Linux (pointers and size_t are 8 bytes,
// socklen_t and int are 4). Sequential layout reproduces C's natural alignment and padding; the
// sizes are checked by NativeLayoutTests.

/// <summary>struct iovec: 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public byte* Base;
    public nuint Length;
}

/// <summary>struct msghdr: 56 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary>struct mmsghdr: 64 bytes; <see cref="Length"/> is what the kernel sent or received.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MMsgHdr
{
    public MsgHdr Header;
    public uint Length;
}

/// <summary>struct sockaddr_in6: 28 bytes; the port and address are in network order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockaddrIn6
{
    public ushort Family;
    public ushort Port;
    public uint FlowInfo;
    public fixed byte Address[16];
    public uint ScopeId;
}

/// <summary>struct pollfd: 8 bytes.</summary>
/// <summary>sockaddr_ll (linux/if_packet.h): an AF_PACKET address, 20 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockaddrLl
{
    public ushort Family;
    public ushort Protocol; // network byte order
    public int InterfaceIndex;
    public ushort HardwareType;
    public byte PacketType;
    public byte AddressLength;
    public fixed byte Address[8];
}

[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

/// <summary>
/// struct icmp6_filter: 256 bits, one per ICMPv6 type; in Linux's convention a SET bit BLOCKS that
/// type (the reverse of the RFC 3542 macros' naming), so "pass only X" is all ones with X cleared.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Icmp6Filter
{
    public fixed uint Words[8];

    public static Icmp6Filter BlockAll()
    {
        var filter = default(Icmp6Filter);
        for (var i = 0; i < 8; i++)
            filter.Words[i] = uint.MaxValue;
        return filter;
    }

    public void Pass(byte type) => Words[type >> 5] &= ~(1u << (type & 31));

    public readonly bool Blocks(byte type) => (Words[type >> 5] & (1u << (type & 31))) != 0;
}
