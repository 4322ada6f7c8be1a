using System.Buffers.Binary;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Transport;

/// <summary>
/// Adds, refreshes, removes and reads back IPv6 addresses over rtnetlink (RTM_NEWADDR, RTM_DELADDR,
/// RTM_GETADDR), for the rendezvous claim: no <c>ip</c> command, no parsing of its output. One
/// socket, opened on the calling thread (so in its network namespace) and usable from any thread
/// after that, one request at a time. Failures are returned as errnos: the caller decides what a
/// refusal means.
/// </summary>
internal sealed unsafe class AddressNetlink : IDisposable
{
    /// <summary>The address is tentative: Duplicate Address Detection is still running.</summary>
    public const uint Tentative = 0x40;

    /// <summary>DAD found the address in use by another node.</summary>
    public const uint DadFailed = 0x08;

    /// <summary>Do not add a route for the prefix: the link's /64 route is the real address's, and must not take our lifetime.</summary>
    public const uint NoPrefixRoute = 0x200;

    /// <summary>Skip DAD (never set by the claim; tests check it stays off).</summary>
    public const uint NoDad = 0x02;

    private const ushort RtmNewAddr = 20;
    private const ushort RtmDelAddr = 21;
    private const ushort RtmGetAddr = 22;
    private const ushort NlmFAck = 0x4;
    private const ushort NlmFReplace = 0x100;
    private const ushort NlmFExcl = 0x200;
    private const ushort NlmFCreate = 0x400;
    private const ushort IfaAddress = 1;
    private const ushort IfaLocal = 2;
    private const ushort IfaCacheInfo = 6;
    private const ushort IfaFlags = 8;
    private const int IfaddrmsgLength = 8;
    private const byte ScopeUniverse = 0;
    private const int HeaderLength = Netlink.HeaderLength;
    private const ushort NlmFRequest = Netlink.FlagRequest;

    /// <summary>The longest request: header, ifaddrmsg, IFA_LOCAL, IFA_ADDRESS (20 each), IFA_CACHEINFO (20), IFA_FLAGS (8).</summary>
    public const int MaxRequestLength = HeaderLength + IfaddrmsgLength + 20 + 20 + 20 + 8;

    private readonly object _gate = new();
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _fd;
    private uint _sequence;

    /// <summary>Opens the netlink socket in the calling thread's network namespace.</summary>
    /// <exception cref="IOException">The socket cannot be opened.</exception>
    public AddressNetlink()
    {
        _fd = Netlink.OpenRoute();
    }

    /// <summary>
    /// Adds <paramref name="address"/> to interface <paramref name="index"/> as part of its /64 (no
    /// prefix route, DAD on), with the lifetimes given in seconds; with <paramref name="replace"/> an
    /// existing address only has its lifetimes renewed (and a missing one is added again).
    /// </summary>
    /// <returns>0, or the errno the kernel answered (EEXIST when it exists and not <paramref name="replace"/>, EPERM without CAP_NET_ADMIN).</returns>
    public int Add(int index, UInt128 address, uint validSeconds, uint preferredSeconds, bool replace)
    {
        Span<byte> request = stackalloc byte[MaxRequestLength];
        var length = WriteNewAddress(request, Interlocked.Increment(ref _sequence), index, address, validSeconds, preferredSeconds, replace);
        return Request(request[..length]);
    }

    /// <summary>Removes <paramref name="address"/> from interface <paramref name="index"/>: 0, or the errno (EADDRNOTAVAIL when it is gone).</summary>
    public int Delete(int index, UInt128 address)
    {
        Span<byte> request = stackalloc byte[MaxRequestLength];
        var length = WriteDelAddress(request, Interlocked.Increment(ref _sequence), index, address);
        return Request(request[..length]);
    }

    /// <summary>
    /// The flags (IFA_F_*) of <paramref name="address"/> on interface <paramref name="index"/>, null
    /// when the interface does not hold it (any more: the kernel removes an expired address).
    /// </summary>
    /// <exception cref="IOException">Netlink failed.</exception>
    public uint? Flags(int index, UInt128 address)
    {
        lock (_gate)
        {
            Span<byte> request = stackalloc byte[HeaderLength + IfaddrmsgLength];
            Netlink.WriteDumpRequest(request, RtmGetAddr, Interlocked.Increment(ref _sequence), IfaddrmsgLength);
            Send(request);
            uint? found = null;
            fixed (byte* p = _buffer)
            {
                while (true)
                {
                    var n = LibC.recv(_fd, p, (nuint)_buffer.Length, 0);
                    if (n < 0)
                        throw new IOException($"cannot read the interface addresses: {LibC.Describe(LibC.LastErrno)}");
                    var (done, flags) = FindFlags(_buffer.AsSpan(0, (int)n), index, address);
                    found ??= flags;
                    if (done || n == 0)
                        return found; // read to the end, so the next request's answer is its own
                }
            }
        }
    }

    /// <summary>Writes an RTM_NEWADDR request (tests check its bytes); returns its length.</summary>
    internal static int WriteNewAddress(Span<byte> request, uint sequence, int index, UInt128 address, uint validSeconds, uint preferredSeconds, bool replace)
    {
        var flags = (ushort)(NlmFRequest | NlmFAck | NlmFCreate | (replace ? NlmFReplace : NlmFExcl));
        var at = WriteHeader(request, RtmNewAddr, flags, sequence, index);
        at = WriteAddress(request, at, IfaLocal, address);
        at = WriteAddress(request, at, IfaAddress, address);
        at = WriteAttributeHeader(request, at, IfaCacheInfo, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(request[at..], preferredSeconds); // ifa_prefered
        BinaryPrimitives.WriteUInt32LittleEndian(request[(at + 4)..], validSeconds); // ifa_valid
        BinaryPrimitives.WriteUInt64LittleEndian(request[(at + 8)..], 0); // cstamp, tstamp: the kernel's
        at += 16;
        at = WriteAttributeHeader(request, at, IfaFlags, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(request[at..], NoPrefixRoute);
        at += 4;
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)at);
        return at;
    }

    /// <summary>Writes an RTM_DELADDR request; returns its length.</summary>
    internal static int WriteDelAddress(Span<byte> request, uint sequence, int index, UInt128 address)
    {
        var at = WriteHeader(request, RtmDelAddr, NlmFRequest | NlmFAck, sequence, index);
        at = WriteAddress(request, at, IfaLocal, address);
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)at);
        return at;
    }

    /// <summary>
    /// Looks for the address in one datagram of an RTM_GETADDR dump (tests feed crafted ones): whether
    /// the dump ended, and its flags (IFA_FLAGS when present, else the header's 8 bits) when it matched.
    /// </summary>
    internal static (bool Done, uint? Flags) FindFlags(ReadOnlySpan<byte> datagram, int index, UInt128 address)
    {
        uint? found = null;
        var messages = new Netlink.Messages(datagram);
        while (messages.Next(out var type, out var message))
        {
            if (type == RtmNewAddr && message.Length >= IfaddrmsgLength && message[0] == Netlink.Inet6
                && BinaryPrimitives.ReadInt32LittleEndian(message[4..]) == index
                && Attributes(message[IfaddrmsgLength..], address, message[2]) is { } flags)
                found = flags;
        }

        return (messages.Ended, found);
    }

    private static uint? Attributes(ReadOnlySpan<byte> attributes, UInt128 address, byte headerFlags)
    {
        var matches = false;
        uint flags = headerFlags;
        var walk = new Netlink.Attributes(attributes);
        while (walk.Next(out var type, out var data))
        {
            if (type is IfaAddress or IfaLocal && data.Length == 16 && BinaryPrimitives.ReadUInt128BigEndian(data) == address)
                matches = true;
            else if (type == IfaFlags && data.Length == 4)
                flags = BinaryPrimitives.ReadUInt32LittleEndian(data);
        }

        return matches ? flags : null;
    }

    private static int WriteHeader(Span<byte> request, ushort type, ushort flags, uint sequence, int index)
    {
        request[..(HeaderLength + IfaddrmsgLength)].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(request[8..], sequence);
        request[HeaderLength] = Netlink.Inet6;
        request[HeaderLength + 1] = 64; // the address belongs to its /64 (no route is made for it)
        request[HeaderLength + 3] = ScopeUniverse;
        BinaryPrimitives.WriteInt32LittleEndian(request[(HeaderLength + 4)..], index);
        return HeaderLength + IfaddrmsgLength;
    }

    private static int WriteAttributeHeader(Span<byte> request, int at, ushort type, int dataLength)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(request[at..], (ushort)(4 + dataLength));
        BinaryPrimitives.WriteUInt16LittleEndian(request[(at + 2)..], type);
        return at + 4;
    }

    private static int WriteAddress(Span<byte> request, int at, ushort type, UInt128 address)
    {
        at = WriteAttributeHeader(request, at, type, 16);
        BinaryPrimitives.WriteUInt128BigEndian(request[at..], address);
        return at + 16;
    }

    private int Request(ReadOnlySpan<byte> request)
    {
        lock (_gate)
        {
            var sequence = BinaryPrimitives.ReadUInt32LittleEndian(request[8..]);
            Send(request);
            fixed (byte* p = _buffer)
            {
                while (true)
                {
                    var n = LibC.recv(_fd, p, (nuint)_buffer.Length, 0);
                    if (n < 0)
                        return LibC.LastErrno;
                    var answer = _buffer.AsSpan(0, (int)n);
                    if (n >= HeaderLength + 4 && BinaryPrimitives.ReadUInt16LittleEndian(answer[4..]) == Netlink.Error
                        && BinaryPrimitives.ReadUInt32LittleEndian(answer[8..]) == sequence)
                        return -BinaryPrimitives.ReadInt32LittleEndian(answer[HeaderLength..]);
                }
            }
        }
    }

    private void Send(ReadOnlySpan<byte> request)
    {
        fixed (byte* p = request)
        {
            if (LibC.send(_fd, p, (nuint)request.Length, 0) < 0)
                throw new IOException($"cannot send a netlink request: {LibC.Describe(LibC.LastErrno)}");
        }
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            RawIcmpv6Socket.Close(fd);
    }
}
