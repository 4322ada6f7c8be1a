using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Transport;

/// <summary>
/// Sends ICMPv6 messages through a raw socket, a batch per sendmmsg call. The message buffers, the
/// iovecs, the mmsghdrs and the sockaddr_in6 of every slot live in native memory allocated once, so
/// a batch patches 16 address bytes and writes one message per slot and allocates nothing.
/// <see cref="ForFrames"/> drives an AF_PACKET socket the same way: each slot then holds a whole
/// Ethernet frame and carries no address (the socket is bound to its interface).
/// </summary>
/// <remarks>
/// Not thread-safe: one sending thread owns a sender. The counters may be read from any thread.
/// The socket belongs to the network namespace of the thread that constructed the sender (see
/// <see cref="NetworkNamespace.Run{T}"/>), whichever thread sends later.
/// </remarks>
internal sealed unsafe class RawIcmpv6Sender : IDisposable
{
    /// <summary>The sendmmsg call; a test replaces it to play back ENOBUFS, EINTR and partial sends.</summary>
    internal delegate int SendMessages(int fd, MMsgHdr* messages, uint count, out int errno);

    private const int AddressStride = 32; // sockaddr_in6 is 28 bytes; 32 keeps each one 8-aligned

    private readonly RawIcmpv6SenderOptions _options;
    private readonly SendMessages _send;
    private readonly int _batch;
    private readonly int _slotLength;
    private readonly MMsgHdr* _messages;
    private readonly IoVec* _iovecs;
    private readonly byte* _addresses;
    private readonly byte* _buffers;
    private readonly bool _addressed;
    private int _fd;
    private int _disposed;
    private long _sent;
    private long _failed;
    private long _retries;

    /// <summary>Opens the raw socket in the current thread's network namespace.</summary>
    /// <exception cref="MissingCapabilityException">No CAP_NET_RAW.</exception>
    public RawIcmpv6Sender(RawIcmpv6SenderOptions options)
        : this(options, SendMmsg, openSocket: true)
    {
    }

    /// <summary>No socket: the given call stands in for sendmmsg (tests; the dry run's <see cref="PcapFileSink.Send"/>).</summary>
    internal RawIcmpv6Sender(RawIcmpv6SenderOptions options, SendMessages send)
        : this(options, send, openSocket: false)
    {
    }

    private RawIcmpv6Sender(RawIcmpv6SenderOptions options, SendMessages send, bool openSocket, int adoptedFd = -1)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _send = send;
        _batch = options.BatchSize;
        _slotLength = options.MaxMessageLength;
        _fd = adoptedFd;
        _addressed = adoptedFd < 0;
        NamespaceInode = NetworkNamespace.CurrentThreadInode();

        if (openSocket && adoptedFd < 0)
        {
            // A blocking socket: a full send buffer makes sendmmsg wait (back-pressure) rather than
            // fail with EAGAIN, which would only make us spin.
            _fd = RawIcmpv6Socket.Open(nonBlocking: false);
            try
            {
                // This socket only sends: block every type so replies do not pile up in its queue.
                RawIcmpv6Socket.SetFilter(_fd, []);
                if (options.SendBufferBytes is { } bytes)
                    RawIcmpv6Socket.SetBufferSize(_fd, receive: false, bytes);
                if (options.InterfaceName is { } name)
                    RawIcmpv6Socket.BindToDevice(_fd, name);
                if (options.SourceAddress is { } source)
                    RawIcmpv6Socket.BindToAddress(_fd, source);
            }
            catch
            {
                RawIcmpv6Socket.Close(_fd);
                throw;
            }
        }

        _messages = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(MMsgHdr)));
        _iovecs = (IoVec*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(IoVec)));
        _addresses = (byte*)NativeMemory.AllocZeroed((nuint)(_batch * AddressStride));
        _buffers = (byte*)NativeMemory.AllocZeroed((nuint)_batch * (nuint)_slotLength);
        for (var i = 0; i < _batch; i++)
        {
            var address = (SockaddrIn6*)(_addresses + i * AddressStride);
            address->Family = LibC.AF_INET6;
            _iovecs[i].Base = _buffers + (nint)i * _slotLength;
            _messages[i].Header.Name = _addressed ? address : null;
            _messages[i].Header.NameLength = _addressed ? (uint)sizeof(SockaddrIn6) : 0;
            _messages[i].Header.Iov = &_iovecs[i];
            _messages[i].Header.IovLength = 1;
        }
    }

    /// <summary>
    /// Sends whole frames on a packet socket from <see cref="PacketSocket.Open"/>, which the sender
    /// then owns; the writer writes each slot's frame, destination included.
    /// </summary>
    public static RawIcmpv6Sender ForFrames(int packetSocket, RawIcmpv6SenderOptions options) =>
        new(options, SendMmsg, openSocket: true, adoptedFd: packetSocket);

    /// <summary>Inode of the network namespace the socket lives in (0 when unknown).</summary>
    public ulong NamespaceInode { get; }

    /// <summary>Messages per sendmmsg call.</summary>
    public int BatchSize => _batch;

    /// <summary>Messages the kernel accepted since the sender was made.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Messages given up on, counted (see <see cref="SendResult.Failed"/>).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Back-off sleeps taken.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>
    /// Writes one message per destination with <paramref name="writer"/> and sends them, in
    /// sendmmsg calls of up to <see cref="BatchSize"/>. Returns when every destination is either
    /// sent or counted as failed.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The sender was disposed.</exception>
    /// <exception cref="InvalidOperationException">The writer returned a length outside 4..slot size.</exception>
    public SendResult SendBatch<TWriter>(ReadOnlySpan<UInt128> destinations, ref TWriter writer)
        where TWriter : IIcmpv6MessageWriter, allows ref struct
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var total = default(SendResult);
        while (!destinations.IsEmpty)
        {
            var count = Math.Min(destinations.Length, _batch);
            for (var i = 0; i < count; i++)
            {
                var slot = new Span<byte>(_iovecs[i].Base, _slotLength);
                var length = writer.Write(destinations[i], slot);
                if ((uint)(length - 4) > (uint)(_slotLength - 4))
                    throw new InvalidOperationException($"the message writer returned length {length}; it must be 4 to {_slotLength}");
                _iovecs[i].Length = (nuint)length;
                if (_addressed)
                {
                    var address = (SockaddrIn6*)(_addresses + i * AddressStride);
                    BinaryPrimitives.WriteUInt128BigEndian(new Span<byte>(address->Address, 16), destinations[i]);
                }
            }

            var result = SendPrepared(count);
            total = new SendResult(total.Sent + result.Sent, total.Failed + result.Failed,
                total.Retries + result.Retries, result.LastErrno != 0 ? result.LastErrno : total.LastErrno);
            destinations = destinations[count..];
        }

        return total;
    }

    private SendResult SendPrepared(int count)
    {
        int offset = 0, failed = 0, retries = 0, lastErrno = 0, attempts = 0;
        var backoff = _options.InitialBackoff;
        while (offset < count)
        {
            var n = _send(_fd, _messages + offset, (uint)(count - offset), out var errno);
            if (n > 0)
            {
                offset += n;
                attempts = 0;
                backoff = _options.InitialBackoff;
                continue;
            }

            lastErrno = n == 0 ? LibC.EAGAIN : errno;
            switch (lastErrno)
            {
                case LibC.EINTR:
                    continue;
                case LibC.ENOBUFS or LibC.EAGAIN or LibC.ENOMEM:
                    // ENOBUFS: the neighbour table is full of INCOMPLETE entries (an on-link sweep) or
                    // the device queue is full. Both drain with time, so wait and retry the remainder.
                    if (++attempts >= _options.MaxAttemptsWithoutProgress)
                    {
                        failed += count - offset;
                        offset = count;
                        break;
                    }

                    retries++;
                    _options.Delay(backoff);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                    break;
                case LibC.EBADF:
                    throw new ObjectDisposedException(nameof(RawIcmpv6Sender), "the socket was closed while sending");
                default:
                    // An error about the first message alone (ENETUNREACH, EACCES from a firewall,
                    // EINVAL for an address the kernel refuses): count it and go on with the rest.
                    failed++;
                    offset++;
                    attempts = 0;
                    break;
            }
        }

        Interlocked.Add(ref _sent, count - failed);
        Interlocked.Add(ref _failed, failed);
        Interlocked.Add(ref _retries, retries);
        return new SendResult(count - failed, failed, retries, lastErrno);
    }

    private static int SendMmsg(int fd, MMsgHdr* messages, uint count, out int errno)
    {
        var n = LibC.sendmmsg(fd, messages, count, 0);
        errno = n < 0 ? LibC.LastErrno : 0;
        return n;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        var fd = Interlocked.Exchange(ref _fd, -1);
        RawIcmpv6Socket.Close(fd);
        NativeMemory.Free(_messages);
        NativeMemory.Free(_iovecs);
        NativeMemory.Free(_addresses);
        NativeMemory.Free(_buffers);
    }
}
