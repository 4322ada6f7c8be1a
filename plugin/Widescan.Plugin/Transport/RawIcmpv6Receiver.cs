using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Widescan.Contracts;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Transport;

/// <summary>Receives one ICMPv6 message: the span is valid only during the call.</summary>
/// <param name="message">The ICMPv6 message from its type byte on (a raw socket strips the IPv6 header).</param>
/// <param name="source">The sender's address.</param>
/// <param name="destination">The address it was sent to (IPV6_PKTINFO), zero when the kernel did not say.</param>
/// <param name="timestamp">When the kernel received it (SO_TIMESTAMPNS), else when the batch holding it was read (the receiver's TimeProvider).</param>
internal delegate void Icmpv6MessageHandler(ReadOnlySpan<byte> message, UInt128 source, UInt128 destination, DateTimeOffset timestamp);

/// <summary>
/// Listens on a raw ICMPv6 socket that the kernel filters (ICMP6_FILTER) down to the probe module's
/// types (<see cref="RawIcmpv6ReceiverOptions.KernelTypes"/>), reading up to <see cref="RawIcmpv6ReceiverOptions.BatchSize"/>
/// messages per recvmmsg into native slot buffers allocated once, each with the address it was sent
/// to (IPV6_PKTINFO) and the kernel's arrival time (SO_TIMESTAMPNS). The receive queue is as large
/// as the kernel allows (SO_RCVBUFFORCE as root) and its fill and drops are readable at any time
/// (<see cref="Backlog"/>), which is what the run's pacing closes on.
/// </summary>
internal sealed unsafe class RawIcmpv6Receiver : IDisposable
{
    private const int AddressStride = 32;

    // CMSG_SPACE(in6_pktinfo: 20) = 40 + CMSG_SPACE(timespec: 16) = 32; 128 leaves room.
    private const int ControlStride = 128;
    private const int CmsgHeaderLength = 16;

    private readonly RawIcmpv6ReceiverOptions _options;
    private readonly object _gate = new();
    private readonly int _batch;
    private readonly int _slotLength;
    private readonly MMsgHdr* _messages;
    private readonly IoVec* _iovecs;
    private readonly byte* _addresses;
    private readonly byte* _buffers;
    private readonly byte* _controls;
    private int _fd;
    private bool _running;
    private bool _disposed;
    private long _received;
    private long _truncated;
    private volatile bool _busy;
    private uint _droppedRaw;
    private long _droppedTotal;
    private readonly uint _interfaceIndex;

    /// <summary>Opens the socket in the current thread's network namespace.</summary>
    /// <exception cref="MissingCapabilityException">No CAP_NET_RAW.</exception>
    public RawIcmpv6Receiver(RawIcmpv6ReceiverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _options.Validate();
        _batch = _options.BatchSize;
        _slotLength = _options.SlotLength;
        NamespaceInode = NetworkNamespace.CurrentThreadInode();

        _fd = RawIcmpv6Socket.Open(nonBlocking: true);
        try
        {
            RawIcmpv6Socket.SetFilter(_fd, _options.KernelTypes.Span);
            RawIcmpv6Socket.EnablePacketInfo(_fd);
            RawIcmpv6Socket.EnableTimestamps(_fd);
            BufferForced = RawIcmpv6Socket.SetBufferSize(_fd, receive: true, _options.ReceiveBufferBytes);
            BufferBytes = RawIcmpv6Socket.ReceiveBufferSize(_fd);
            if (_options.InterfaceName is { } name)
            {
                RawIcmpv6Socket.BindToDevice(_fd, name);
                _interfaceIndex = InterfaceIndex(name);
            }
        }
        catch
        {
            RawIcmpv6Socket.Close(_fd);
            throw;
        }

        _messages = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(MMsgHdr)));
        _iovecs = (IoVec*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(IoVec)));
        _addresses = (byte*)NativeMemory.AllocZeroed((nuint)(_batch * AddressStride));
        _buffers = (byte*)NativeMemory.AllocZeroed((nuint)_batch * (nuint)_slotLength);
        _controls = (byte*)NativeMemory.AllocZeroed((nuint)(_batch * ControlStride));
        for (var i = 0; i < _batch; i++)
        {
            _iovecs[i].Base = _buffers + (nint)i * _slotLength;
            _iovecs[i].Length = (nuint)_slotLength;
            _messages[i].Header.Iov = &_iovecs[i];
            _messages[i].Header.IovLength = 1;
            _messages[i].Header.Name = _addresses + i * AddressStride;
        }
    }

    /// <summary>Inode of the network namespace the socket lives in (0 when unknown).</summary>
    public ulong NamespaceInode { get; }

    /// <summary>Bytes kept of each message.</summary>
    public int SlotLength => _slotLength;

    /// <summary>The ICMPv6 types the kernel passes to this socket, read back from its ICMP6_FILTER.</summary>
    public byte[] KernelTypes
    {
        get
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return RawIcmpv6Socket.PassedTypes(_fd);
            }
        }
    }

    /// <summary>The receive buffer the kernel gave, in its own accounting (SO_RCVBUF read back).</summary>
    public int BufferBytes { get; }

    /// <summary>True when the buffer was set past net.core.rmem_max (SO_RCVBUFFORCE, CAP_NET_ADMIN).</summary>
    public bool BufferForced { get; }

    /// <summary>
    /// The kernel queue now and its drops so far; <see cref="ReceiveBacklog.Unknown"/> once closed.
    /// One getsockopt: cheap enough to poll every few milliseconds from another thread.
    /// </summary>
    public ReceiveBacklog Backlog
    {
        get
        {
            lock (_gate)
            {
                if (_disposed || _fd < 0)
                    return ReceiveBacklog.Unknown;
                try
                {
                    // SK_MEMINFO_DROPS is a u32 that wraps: the total is kept from its deltas.
                    var now = RawIcmpv6Socket.ReadBacklog(_fd);
                    var raw = (uint)now.Dropped;
                    _droppedTotal += (uint)(raw - _droppedRaw);
                    _droppedRaw = raw;
                    return now with { Dropped = _droppedTotal };
                }
                catch (IOException)
                {
                    return ReceiveBacklog.Unknown;
                }
            }
        }
    }

    /// <summary>
    /// True while the reading thread holds messages it has taken from the kernel but not yet handed
    /// over: with an empty kernel queue and this false, everything that arrived has been handled.
    /// </summary>
    public bool Busy => _busy;

    /// <summary>Messages handed to the handler.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages longer than a slot, handed over cut to the slot length.</summary>
    public long Truncated => Interlocked.Read(ref _truncated);

    /// <summary>
    /// Reads messages and hands each to <paramref name="handler"/> on the calling thread until
    /// <paramref name="cancellationToken"/> is cancelled; returns within one poll interval of that.
    /// </summary>
    /// <exception cref="InvalidOperationException">Run is already active, or the handler threw (inner).</exception>
    /// <exception cref="IOException">The socket failed, or its interface disappeared; the message says which.</exception>
    public void Run(Icmpv6MessageHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running)
                throw new InvalidOperationException("this receiver is already running");
            _running = true;
        }

        try
        {
            var pollMs = (int)_options.PollInterval.TotalMilliseconds;
            var poll = new PollFd { Fd = _fd, Events = LibC.POLLIN };
            var lastCheck = Environment.TickCount64;
            while (!cancellationToken.IsCancellationRequested && !Volatile.Read(ref _disposed))
            {
                poll.Revents = 0;
                var ready = LibC.poll(&poll, 1, pollMs);
                if (ready < 0)
                {
                    var errno = LibC.LastErrno;
                    if (errno == LibC.EINTR)
                        continue;
                    throw new IOException($"poll on the ICMPv6 socket failed: {LibC.Describe(errno)}");
                }

                if (ready > 0)
                    Drain(handler, cancellationToken);
                var now = Environment.TickCount64;
                if (_interfaceIndex != 0 && now - lastCheck >= pollMs)
                {
                    // A socket bound to a deleted interface just goes quiet: a deaf listener must
                    // not look like a quiet network, so look for the interface every poll interval.
                    lastCheck = now;
                    if (InterfaceIndex(_options.InterfaceName!) != _interfaceIndex)
                        throw new IOException($"the interface {_options.InterfaceName} is gone (deleted, or replaced by another of the same name)");
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _running = false;
                if (_disposed)
                    Release();
            }
        }
    }

    private void Drain(Icmpv6MessageHandler handler, CancellationToken cancellationToken, bool once = false)
    {
        // Read until the queue is empty so a burst costs one poll, not one per batch.
        while (!cancellationToken.IsCancellationRequested)
        {
            for (var i = 0; i < _batch; i++)
            {
                _messages[i].Header.NameLength = (uint)sizeof(SockaddrIn6);
                _messages[i].Header.Control = _controls + (i * ControlStride);
                _messages[i].Header.ControlLength = ControlStride;
                _messages[i].Header.Flags = 0;
            }

            if (_options.Stall > TimeSpan.Zero && !once)
                Thread.Sleep(_options.Stall); // a test's slow reader: the kernel queue grows meanwhile

            // Busy before the read, cleared after the handler: a reader of Busy that then sees the
            // kernel queue empty knows every message that arrived has been handed over.
            _busy = true;
            int n;
            try
            {
                n = LibC.recvmmsg(_fd, _messages, (uint)_batch, LibC.MSG_DONTWAIT, null);
                if (n < 0)
                {
                    var errno = LibC.LastErrno;
                    if (errno is LibC.EAGAIN or LibC.EINTR)
                        return;
                    throw new IOException($"recvmmsg on the ICMPv6 socket failed: {LibC.Describe(errno)}");
                }

                // Kernel timestamps are the system's wall clock: only comparable to a system TimeProvider.
                var kernelTime = ReferenceEquals(_options.TimeProvider, TimeProvider.System);
                var now = _options.TimeProvider.GetUtcNow();
                for (var i = 0; i < n; i++)
                {
                    var length = (int)Math.Min(_messages[i].Length, (uint)_slotLength);
                    if ((_messages[i].Header.Flags & LibC.MSG_TRUNC) != 0)
                        Interlocked.Increment(ref _truncated);
                    var address = (SockaddrIn6*)(_addresses + i * AddressStride);
                    var source = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(address->Address, 16));
                    var control = new ReadOnlySpan<byte>(_controls + (i * ControlStride), (int)Math.Min(_messages[i].Header.ControlLength, ControlStride));
                    var destination = ReadControl(control, out var arrivalTicks);
                    var arrival = kernelTime && arrivalTicks > 0 ? new DateTimeOffset(arrivalTicks, TimeSpan.Zero) : now;
                    handler(new ReadOnlySpan<byte>(_iovecs[i].Base, length), source, destination, arrival);
                }

                Interlocked.Add(ref _received, n);
            }
            finally
            {
                _busy = false;
            }

            if (n < _batch || once)
                return;
        }
    }

    /// <summary>The interface's index in this thread's namespace, 0 when there is none of that name.</summary>
    private static uint InterfaceIndex(string name)
    {
        Span<byte> text = stackalloc byte[16];
        text.Clear();
        System.Text.Encoding.ASCII.GetBytes(name.AsSpan(0, Math.Min(name.Length, 15)), text);
        fixed (byte* p = text)
            return LibC.if_nametoindex(p);
    }

    /// <summary>
    /// Hands every message still queued to <paramref name="handler"/> once <see cref="Run"/> has
    /// returned (what a stopping listener could not take, so it can say how many answers were
    /// missed), for at most <paramref name="budget"/>: a flood faster than the reads must not hold the
    /// stop. A read that fails on one message (a bad checksum) goes on with the next.
    /// </summary>
    /// <exception cref="IOException">The socket failed.</exception>
    public void Discard(Icmpv6MessageHandler handler, TimeSpan budget)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running)
                throw new InvalidOperationException("the receiver is still running");
        }

        var until = Environment.TickCount64 + (long)budget.TotalMilliseconds;
        while (Environment.TickCount64 < until && RawIcmpv6Socket.ReadBacklog(_fd).QueuedBytes > 0)
            Drain(handler, CancellationToken.None, once: true);
    }

    /// <summary>The destination in an IPV6_PKTINFO control message (cmsghdr: len, level, type, then in6_pktinfo), zero when absent.</summary>
    internal static UInt128 PacketInfoDestination(ReadOnlySpan<byte> control) => ReadControl(control, out _);

    /// <summary>
    /// Walks the control messages: the destination of IPV6_PKTINFO (zero when absent) and the arrival
    /// of SCM_TIMESTAMPNS as UTC ticks (0 when absent).
    /// </summary>
    internal static UInt128 ReadControl(ReadOnlySpan<byte> control, out long arrivalTicks)
    {
        arrivalTicks = 0;
        var destination = UInt128.Zero;
        var offset = 0;
        while (offset + CmsgHeaderLength <= control.Length)
        {
            var length = (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(control[offset..]), int.MaxValue);
            if (length < CmsgHeaderLength || offset + length > control.Length)
                break;
            var level = BinaryPrimitives.ReadInt32LittleEndian(control[(offset + 8)..]);
            var type = BinaryPrimitives.ReadInt32LittleEndian(control[(offset + 12)..]);
            if (level == LibC.IPPROTO_IPV6 && type == LibC.IPV6_PKTINFO && length >= CmsgHeaderLength + 16)
                destination = BinaryPrimitives.ReadUInt128BigEndian(control[(offset + CmsgHeaderLength)..]);
            else if (level == LibC.SOL_SOCKET && type == LibC.SO_TIMESTAMPNS && length >= CmsgHeaderLength + 16)
            {
                var seconds = BinaryPrimitives.ReadInt64LittleEndian(control[(offset + CmsgHeaderLength)..]);
                var nanoseconds = BinaryPrimitives.ReadInt64LittleEndian(control[(offset + CmsgHeaderLength + 8)..]);
                if (seconds is > 0 and < 253_402_300_799 && nanoseconds is >= 0 and < 1_000_000_000)
                    arrivalTicks = DateTimeOffset.UnixEpoch.UtcTicks + (seconds * TimeSpan.TicksPerSecond) + (nanoseconds / 100);
            }

            offset += (length + 7) & ~7;
        }

        return destination;
    }

    /// <summary>Closes the socket; when <see cref="Run"/> is active it returns within one poll interval.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            if (!_running)
                Release();
        }
    }

    private void Release()
    {
        RawIcmpv6Socket.Close(Interlocked.Exchange(ref _fd, -1));
        NativeMemory.Free(_messages);
        NativeMemory.Free(_iovecs);
        NativeMemory.Free(_addresses);
        NativeMemory.Free(_buffers);
        NativeMemory.Free(_controls);
    }
}
