using System.Buffers.Binary;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Transport;

/// <summary>
/// The rtnetlink framing the neighbour table and the address claim share: the socket, a dump
/// request, and walkers over the messages of a datagram and the attributes (rtattr) of a message.
/// Allocation-free; the walkers stop at the first malformed length rather than read past it.
/// </summary>
internal static class Netlink
{
    /// <summary>sizeof(struct nlmsghdr).</summary>
    public const int HeaderLength = 16;

    /// <summary>NLMSG_ERROR: an acknowledgement (errno 0) or an error.</summary>
    public const ushort Error = 2;

    /// <summary>NLMSG_DONE: the end of a dump.</summary>
    public const ushort Done = 3;

    /// <summary>NLM_F_REQUEST.</summary>
    public const ushort FlagRequest = 0x1;

    /// <summary>NLM_F_DUMP (NLM_F_ROOT | NLM_F_MATCH).</summary>
    public const ushort FlagDump = 0x300;

    /// <summary>AF_INET6, as the first byte of ndmsg and ifaddrmsg.</summary>
    public const byte Inet6 = 10;

    /// <summary>
    /// Opens a NETLINK_ROUTE socket in the calling thread's network namespace, with a 2 s receive
    /// timeout: an answer that never comes (a broken kernel) must not hang the caller.
    /// </summary>
    /// <exception cref="IOException">The socket cannot be opened.</exception>
    public static unsafe int OpenRoute()
    {
        var fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE);
        if (fd < 0)
            throw new IOException($"cannot open a netlink socket: {LibC.Describe(LibC.LastErrno)}");
        var timeout = stackalloc long[2] { 2, 0 };
        _ = LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeout, 16);
        return fd;
    }

    /// <summary>Writes a dump request of <paramref name="type"/> for IPv6 (a zeroed body of <paramref name="bodyLength"/> bytes whose first is AF_INET6); returns its length.</summary>
    public static int WriteDumpRequest(Span<byte> request, ushort type, uint sequence, int bodyLength)
    {
        var length = HeaderLength + bodyLength;
        request[..length].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], FlagRequest | FlagDump);
        BinaryPrimitives.WriteUInt32LittleEndian(request[8..], sequence);
        request[HeaderLength] = Inet6;
        return length;
    }

    /// <summary>The messages of one netlink datagram, in order.</summary>
    public ref struct Messages(ReadOnlySpan<byte> datagram)
    {
        private ReadOnlySpan<byte> _rest = datagram;

        /// <summary>True once a message ended the dump (NLMSG_DONE or NLMSG_ERROR) or a length was malformed.</summary>
        public bool Ended { get; private set; }

        /// <summary>The next message's type and body (after its header); false at the end of the datagram or once <see cref="Ended"/>.</summary>
        public bool Next(out ushort type, out ReadOnlySpan<byte> body)
        {
            type = 0;
            body = default;
            if (Ended || _rest.Length < HeaderLength)
                return false;
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(_rest);
            type = BinaryPrimitives.ReadUInt16LittleEndian(_rest[4..]);
            if (length < HeaderLength || length > _rest.Length || type is Done or Error)
            {
                Ended = true;
                return false;
            }

            body = _rest[HeaderLength..length];
            _rest = _rest[Math.Min(_rest.Length, (length + 3) & ~3)..];
            return true;
        }
    }

    /// <summary>The attributes (struct rtattr: length, type, data, padded to 4) of a message body.</summary>
    public ref struct Attributes(ReadOnlySpan<byte> attributes)
    {
        private ReadOnlySpan<byte> _rest = attributes;

        /// <summary>The next attribute's type and data; false at the end or at a malformed length.</summary>
        public bool Next(out ushort type, out ReadOnlySpan<byte> data)
        {
            type = 0;
            data = default;
            if (_rest.Length < 4)
                return false;
            var length = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
            type = BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]);
            if (length < 4 || length > _rest.Length)
                return false;
            data = _rest[4..length];
            _rest = _rest[Math.Min(_rest.Length, (length + 3) & ~3)..];
            return true;
        }
    }
}
