using System.Globalization;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Widescan.Plugin.Transport;

/// <summary>Receives one captured frame: the span is valid only during the call.</summary>
/// <param name="frame">The frame as captured, starting at the link-layer header given by <paramref name="linkType"/>.</param>
/// <param name="timestamp">The kernel's capture time.</param>
/// <param name="linkType">Ethernet on a veth or NIC; Raw or LinuxSll elsewhere.</param>
internal delegate void CapturedFrameHandler(ReadOnlySpan<byte> frame, DateTimeOffset timestamp, LinkLayers linkType);

/// <summary>
/// Captures on one interface with libpcap (SharpPcap) through the probe module's BPF filter, so the
/// kernel hands over only the frames the classifier wants.
/// </summary>
/// <remarks>
/// <see cref="Open"/> fails with <see cref="CaptureUnavailableException"/> when libpcap is not
/// installed or the interface does not exist; the caller logs it and falls back to
/// <see cref="RawIcmpv6Receiver"/>. Open it on a thread inside the namespace whose interface it
/// captures (<see cref="NetworkNamespace.Run{T}"/>); the handle stays there.
/// </remarks>
internal sealed class PcapCapture : IDisposable
{
    /// <summary>
    /// Snap length beyond the IPv6 packet: room for any link header libpcap puts before it (Ethernet
    /// 14, with two VLAN tags 22, Linux cooked SLL 16 or SLL2 20).
    /// </summary>
    public const int LinkHeaderRoom = 64;

    /// <summary>
    /// The filter for an Ethernet interface: <paramref name="filter"/> less the frames our own MAC
    /// sent, so our outgoing probes (as many as the replies) stay out of the ring; with them it
    /// overflowed at ~130k pps here. Not libpcap's <c>inbound</c>: with it libpcap 1.10 drops the first
    /// matching frame after the capture opens (tcpdump shows "3 received by filter, 2 captured"), which
    /// would lose the first answer of every scan.
    /// </summary>
    public static string EthernetFilter(string filter, PhysicalAddress mac) =>
        $"{filter} and not ether src {string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)))}";

    private readonly LibPcapLiveDevice _device;
    private readonly CapturedFrameHandler _handler;
    private readonly LinkLayers _linkType;
    private readonly string _filter;
    private readonly int _snapLength;
    private readonly bool _batched;
    private readonly TimeSpan _readTimeout;
    private long _received;
    private bool _started;
    private bool _disposed;

    // The kernel's counts and ours when the capture took over (Settle): frames counted before then
    // that never came through were caught before the filter was set and refused by libpcap itself.
    private long _baseReceived;
    private long _baseDropped;
    private long _baseHandled;

    /// <summary>How long <see cref="Start"/> may wait for the link to go quiet before taking its baseline (a busy link).</summary>
    internal static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(1);

    private PcapCapture(LibPcapLiveDevice device, CapturedFrameHandler handler, string filter, int snapLength, TimeSpan? batchTimeout)
    {
        _device = device;
        _handler = handler;
        _filter = filter;
        _snapLength = snapLength;
        _batched = batchTimeout is not null;
        _readTimeout = batchTimeout ?? TimeSpan.Zero;
        _linkType = device.LinkType;
        _device.OnPacketArrival += OnPacketArrival;
        _device.OnCaptureStopped += OnCaptureStopped;
    }

    /// <summary>
    /// Called on the capture thread when libpcap stops with an error (the interface went down or was
    /// deleted), with libpcap's message; the capture delivers nothing more after it.
    /// </summary>
    public Action<string>? Failed { get; set; }

    /// <summary>Interface being captured.</summary>
    public string InterfaceName => _device.Name;

    /// <summary>Link type of the frames handed to the handler.</summary>
    public LinkLayers LinkType => _linkType;

    /// <summary>The BPF filter applied, the probe module's plus the capture's own part.</summary>
    public string Filter => _filter;

    /// <summary>Bytes kept per frame.</summary>
    public int SnapLength => _snapLength;

    /// <summary>Frames handed to the handler.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>
    /// Opens <paramref name="interfaceName"/> in the current thread's namespace with
    /// <paramref name="filter"/>, a <paramref name="bufferBytes"/> ring and frames cut to
    /// <paramref name="packetLength"/> + <see cref="LinkHeaderRoom"/> bytes.
    /// </summary>
    /// <param name="interfaceName">The interface, in this namespace.</param>
    /// <param name="filter">The probe module's BPF filter (<see cref="Probing.IProbeModule.CaptureFilter"/>).</param>
    /// <param name="packetLength">The longest IPv6 packet to keep whole (<see cref="Probing.IProbeModule.ReceiveLength"/>).</param>
    /// <param name="handler">Called on the capture thread for each frame.</param>
    /// <param name="bufferBytes">The kernel ring's size.</param>
    /// <param name="batchTimeout">Null: immediate mode (TPACKET_V2: fixed ring slots sized from the
    /// snap length), each frame handed over as it comes (one wake-up per frame). A time: frames are
    /// handed over a ring block at a time (TPACKET_V3: frames packed at their captured length, so the
    /// snap length only caps them), at the latest after this long; at 100k+ frames/s this saves the
    /// wake-up of the capture thread, inside the sender's own syscall on a veth, for nearly every frame.</param>
    /// <exception cref="CaptureUnavailableException">libpcap is missing, the interface does not
    /// exist, or libpcap refused to open it; the message says which.</exception>
    /// <exception cref="MissingCapabilityException">libpcap was refused for lack of CAP_NET_RAW.</exception>
    public static PcapCapture Open(
        string interfaceName, string filter, int packetLength, CapturedFrameHandler handler, int bufferBytes = 8 << 20, TimeSpan? batchTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        ArgumentException.ThrowIfNullOrWhiteSpace(filter);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfLessThan(packetLength, 64);
        var snapLength = packetLength + LinkHeaderRoom;
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, 64 << 10);

        LibPcapLiveDevice? device;
        try
        {
            // A fresh list, not LibPcapLiveDeviceList.Instance: the instance is cached for the process
            // and would show whichever namespace first asked.
            device = LibPcapLiveDeviceList.New().FirstOrDefault(d => d.Name == interfaceName);
        }
        catch (DllNotFoundException e)
        {
            throw new CaptureUnavailableException("libpcap is not installed (install libpcap0.8)", e);
        }
        catch (TypeInitializationException e) when (e.InnerException is DllNotFoundException)
        {
            throw new CaptureUnavailableException("libpcap is not installed (install libpcap0.8)", e);
        }
        catch (PcapException e)
        {
            throw new CaptureUnavailableException($"libpcap cannot list interfaces: {e.Message}", e);
        }

        if (device is null)
            throw new CaptureUnavailableException($"interface '{interfaceName}' does not exist in this network namespace");

        try
        {
            device.Open(new DeviceConfiguration
            {
                Mode = DeviceModes.None,
                Immediate = batchTimeout is null,
                BufferSize = bufferBytes,
                Snaplen = snapLength,
                ReadTimeout = batchTimeout is { } timeout ? Math.Max(1, (int)timeout.TotalMilliseconds) : 100,
            });
            var applied = device.LinkType == LinkLayers.Ethernet && device.MacAddress is { } mac && mac.GetAddressBytes().Length == 6
                ? EthernetFilter(filter, mac)
                : filter;
            device.Filter = applied;
            return new PcapCapture(device, handler, applied, snapLength, batchTimeout);
        }
        catch (PcapException e) when (e.Message.Contains("permitted", StringComparison.OrdinalIgnoreCase))
        {
            device.Close();
            throw new MissingCapabilityException(MissingCapabilityException.DefaultMessage, e);
        }
        catch (PcapException e)
        {
            device.Close();
            throw new CaptureUnavailableException($"cannot capture on '{interfaceName}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Starts delivering frames to the handler on SharpPcap's capture thread, once what the ring caught
    /// before it opened is handed over and the kernel's counts are taken as the baseline
    /// (<see cref="Pending"/>).
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_started)
            return;
        Settle();
        _device.StartCapture();
        _started = true;
    }

    /// <summary>
    /// libpcap sets the filter only after the socket is open: frames that came in between (a fresh
    /// link's MLD reports and router solicitations, any traffic of a busy one) are counted by the
    /// kernel, then refused by libpcap's own pass over the ring and never handed over, so a count of
    /// pending frames from the totals alone stays above 0 for good (and a stopping listener waited,
    /// then counted them as lost: the capture lab test's flake). This reads the ring out without
    /// blocking, handing every frame the filter passes to the handler as the capture thread would,
    /// until the kernel has counted nothing new over a streak of empty reads that spans two read
    /// timeouts (a batched ring shows a block only once it is retired, at the latest a timeout after
    /// its first frame; an immediate one shows each frame at once): every frame counted by then has
    /// come through or was refused, so the counts then are the baseline. A link that never goes quiet
    /// that long keeps a zero baseline: the old count, which can overstate what is pending but never
    /// hide a frame.
    /// </summary>
    private void Settle()
    {
        var wait = _batched ? _readTimeout : TimeSpan.FromMilliseconds(5);
        const int Needed = 3; // empty reads, a wait apart
        var quiet = 0;
        var candidate = (Received: 0L, Dropped: 0L, Handled: 0L);
        var giveUp = Environment.TickCount64 + (long)SettleLimit.TotalMilliseconds;
        if (IntPtr.Size != 8)
            return; // Deliver reads the 64-bit header layout; elsewhere the zero baseline stands
        _device.NonBlockingMode = true;
        try
        {
            while (Environment.TickCount64 < giveUp)
            {
                var before = _device.Statistics;
                var handled = Received;

                // pcap_next_ex itself: SharpPcap's GetNextPacket first polls the descriptor for half a
                // second, and a batched ring's descriptor wakes only when a block is retired.
                IntPtr header = IntPtr.Zero, data = IntPtr.Zero;
                var status = _device.GetNextPacketPointers(ref header, ref data);
                if (status == 1)
                {
                    Deliver(header, data);
                    quiet = 0;
                    continue;
                }

                if (status != 0)
                    return; // an error: the capture thread meets it and reports it
                if (quiet > 0 && (before.ReceivedPackets != candidate.Received || before.DroppedPackets != candidate.Dropped))
                    quiet = 0;
                if (quiet == 0)
                    candidate = (before.ReceivedPackets, before.DroppedPackets, handled);
                if (++quiet == Needed)
                {
                    (_baseReceived, _baseDropped, _baseHandled) = candidate;
                    return;
                }

                Thread.Sleep(wait);
            }
        }
        finally
        {
            _device.NonBlockingMode = false;
        }
    }

    /// <summary>Hands a frame read by <see cref="Settle"/> over as <see cref="OnPacketArrival"/> does.</summary>
    private unsafe void Deliver(IntPtr header, IntPtr data)
    {
        // struct pcap_pkthdr on a 64-bit Linux: struct timeval (two longs), caplen, len.
        var seconds = Marshal.ReadInt64(header);
        var microseconds = Marshal.ReadInt64(header, 8);
        var captured = Marshal.ReadInt32(header, 16);
        var timestamp = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(microseconds * 10);
        _handler(new ReadOnlySpan<byte>((void*)data, captured), timestamp, _linkType);
        Interlocked.Increment(ref _received);
    }

    /// <summary>Packets the kernel dropped for lack of buffer since the capture started.</summary>
    public long KernelDropped => _disposed ? 0 : Math.Max(0, _device.Statistics.DroppedPackets - _baseDropped);

    /// <summary>
    /// Frames the kernel queued for this capture and not yet handed to the handler (0 when caught
    /// up): stopping a capture discards its ring, so a caller that must not lose the last frames
    /// waits for this to reach 0 first.
    /// </summary>
    public long Pending
    {
        get
        {
            if (_disposed)
                return 0;
            var statistics = _device.Statistics;
            return Math.Max(0, ((long)statistics.ReceivedPackets - _baseReceived) - ((long)statistics.DroppedPackets - _baseDropped) - (Received - _baseHandled));
        }
    }

    private void OnPacketArrival(object sender, PacketCapture capture)
    {
        var timeval = capture.Header.Timeval;
        var timestamp = DateTimeOffset.FromUnixTimeSeconds((long)timeval.Seconds).AddTicks((long)timeval.MicroSeconds * 10);
        _handler(capture.Data, timestamp, _linkType);
        Interlocked.Increment(ref _received);
    }

    private void OnCaptureStopped(object sender, CaptureStoppedEventStatus status)
    {
        if (status == CaptureStoppedEventStatus.ErrorWhileCapturing && !_disposed)
            Failed?.Invoke(string.IsNullOrWhiteSpace(_device.LastError) ? "libpcap reported an error" : _device.LastError);
    }

    /// <summary>Stops the capture thread (it polls with a timeout, so this returns promptly) and closes the handle.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            if (_started)
                _device.StopCapture();
        }
        finally
        {
            _device.OnPacketArrival -= OnPacketArrival;
            _device.OnCaptureStopped -= OnCaptureStopped;
            _device.Close();
        }
    }
}

/// <summary>Capture with libpcap is impossible here; the message says why. Fall back to the raw socket.</summary>
internal sealed class CaptureUnavailableException : Exception
{
    public CaptureUnavailableException(string message)
        : base(message)
    {
    }

    public CaptureUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
