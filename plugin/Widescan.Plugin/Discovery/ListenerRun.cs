using System.Threading.Channels;
using PacketDotNet;
using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// A running listener: one receiving thread classifies every echo packet and ICMPv6 error, reports each
/// responder (and each target an error names) once per run (memory grows with responders and errored
/// targets, one address each, never with targets probed), never reports a live host at a target that
/// already produced an error (counted as overruled instead), and answers scanners through the
/// <see cref="AnnounceResponder"/>. Peers and scanners are the <see cref="PeerSightings"/>' (bounded:
/// a flood of spoofed sources leaves it at <see cref="WidescanOptions.MaxTrackedPeers"/> unproven ones).
/// It reads a raw ICMPv6 socket (the "raw" listener, the default) or libpcap (the "capture" listener,
/// which falls back to the socket). Nothing is allocated per packet except an event per report or
/// handed-on sighting.
/// </summary>
internal sealed class ListenerRun : IListenerRun
{
    /// <summary>
    /// The raw socket's receive queue asked for (a test makes it tiny to make the kernel drop):
    /// see <see cref="RawIcmpv6ReceiverOptions.ReceiveBufferBytes"/>.
    /// </summary>
    internal static int ReceiveBufferBytes { get; set; } = new RawIcmpv6ReceiverOptions().ReceiveBufferBytes;

    /// <summary>A pause before each read of the raw socket (tests only: a listener slowed on purpose).</summary>
    internal static TimeSpan ReceiveStall { get; set; }

    /// <summary>
    /// How long libpcap may hold captured frames to hand them over a block at a time: short next to
    /// any cooldown, long enough that a busy scan wakes the capture thread per block, not per reply.
    /// Round trips come from the kernel's capture timestamps, so the wait does not inflate them.
    /// </summary>
    internal static readonly TimeSpan CaptureBatchTimeout = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The capture ring (a test makes it small to make a slow host lose answers). The capture hands
    /// frames over a block at a time (TPACKET_V3), which packs each frame at its captured length, so
    /// the snap length (the probe module's 1,280 + link room) only caps a frame: an echo reply frame
    /// (~130 bytes, ~200 with the ring's per-frame header; computed, not measured) takes what it did
    /// under the old 256-byte snap, and 32 MB still holds ~150k of them, about half a second of
    /// replies at 200k pps, so a capture thread that loses its core to the send lanes for a moment
    /// catches up instead of losing answers (8 MB lost up to 5% of a /108 at 230k pps on two cores).
    /// Only long packets (ICMPv6 errors quoting up to 1,232 bytes) take more: ~24k of them fit.
    /// </summary>
    internal static int CaptureBufferBytes { get; set; } = 32 << 20;

    /// <summary>
    /// The least time between two sightings of one peer handed to the module (<see cref="PeerHeard"/>):
    /// a peer that announces or probes us in a burst costs one event a second, never one per packet.
    /// </summary>
    internal static readonly TimeSpan RepeatGap = TimeSpan.FromSeconds(1);

    /// <summary>The longest a stopped listener spends reading out what its socket still holds (a flood must not hold the stop).</summary>
    internal static readonly TimeSpan LeftoverBudget = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a stopping listener's catch-up may see no packet handled before it gives up (a ring block the kernel never retires).</summary>
    internal static readonly TimeSpan CatchUpStall = TimeSpan.FromSeconds(2);

    /// <summary>The longest a stopping listener waits for its capture to hand over what it holds.</summary>
    internal static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(10);

    private readonly DiscoverySession _session;
    private readonly IProbeModule _probe;
    private readonly ChannelWriter<DiscoveryEvent> _events;
    private readonly PacketClassifier _classifier;
    private readonly AnnounceResponder? _responder;
    private readonly RendezvousClaim? _rendezvous;
    private readonly PeerSightings _sightings; // peers and scanners, each address once per grade, bounded
    private readonly Action<DiscoveryEvent> _emit;
    private readonly CancellationTokenSource _stopping = new();
    private readonly FirstSightings _seen = new(); // live hosts and errored targets, each once
    private PcapCapture? _capture;
    private RawIcmpv6Receiver? _receiver;
    private Thread? _receiverThread;
    private int _disposed;

    // Losses: kernel drops already counted (as the kernel's or the consumer's), under _lossGate;
    // _blocked is set while the capture thread waits on a full channel (the host reads too slowly).
    private readonly object _lossGate = new();
    private long _dropsCounted;
    private volatile bool _blocked;
    private volatile bool _blockedSinceCount;
    private volatile bool _blockedEver;

    // The capture time (UTC ticks) of the last frame whose events are written: answers that arrived
    // before it are in the channel. Written once per frame, read by the module's checkpoints.
    private long _handledArrival;

    private ListenerRun(DiscoverySession session, IProbeModule probe, ChannelWriter<DiscoveryEvent> events, AnnounceResponder? responder, OwnAddresses own, RendezvousClaim? rendezvous)
    {
        _rendezvous = rendezvous;
        _session = session;
        _probe = probe;
        _events = events;
        _responder = responder;
        _emit = Emit; // one delegate for the run: a method group converted per packet would allocate
        _sightings = new PeerSightings(session.Time, session.Options.MaxTrackedPeers, session.Counters)
        {
            BoundReached = capacity => DiscoveryLog.For(session).Warning(
                "The listener holds {Capacity} unauthenticated, unsolicited peers (WidescanOptions.MaxTrackedPeers): new ones are refused from now on and counted (the summary's UnsolicitedRefused); set NetworkKey so that forgeries cannot fill it",
                capacity),
        };
        var identity = WireIdentity.FromOptions(session.Options);
        _classifier = probe.Classifier(identity, new ValidationTag(session.ScanSecret), session.Time, own.Contains);
    }

    /// <inheritdoc />
    public string Path { get; private set; } = "";

    /// <summary>The network namespace of the capture or socket (tests check it is the lab's).</summary>
    public ulong NamespaceInode { get; private set; }

    /// <summary>Packets ignored per reason (read after Dispose; the capture thread owns it before).</summary>
    public IgnoreCounters Ignored => _classifier.Ignored;

    /// <summary>
    /// The time up to which every frame that arrived has been classified and its events written to
    /// the channel (the module's checkpoints rely on it): now when the capture holds nothing pending,
    /// else the arrival of the last frame handled. Called by one thread (the module's pump).
    /// </summary>
    public DateTimeOffset CaughtUpTo(DateTimeOffset now)
    {
        // Kernel arrival times are the wall clock: after a step back they may lie ahead of now, and a
        // time ahead of now would let a checkpoint cover answers not yet written.
        var handledTicks = Interlocked.Read(ref _handledArrival);
        var handled = new DateTimeOffset(Math.Min(handledTicks, now.UtcTicks), TimeSpan.Zero);
        if (_blocked)
            return handled;
        if (_capture is { } capture)
        {
            try
            {
                return capture.Pending == 0 ? now : handled;
            }
            catch (Exception e) when (e is SharpPcap.PcapException or InvalidOperationException)
            {
                return handled;
            }
        }

        // The socket's kernel queue read first, then the reader's batch: empty and idle means every
        // packet that arrived before now has been handed over (one arriving meanwhile came after now).
        if (_receiver is { } receiver)
            return receiver.Backlog is { BufferBytes: > 0, QueuedBytes: 0 } && !receiver.Busy ? now : handled;
        return handled;
    }

    /// <summary>
    /// The kernel's queue for this listener now and its drops so far: what the run's pacing closes
    /// on. The socket tells both; libpcap tells only its drops.
    /// </summary>
    public ReceiveBacklog Backlog
    {
        get
        {
            if (_receiver is { } receiver)
                return receiver.Backlog;
            try
            {
                return _capture is { } capture ? new ReceiveBacklog(0, 0, capture.KernelDropped) : ReceiveBacklog.Unknown;
            }
            catch (Exception e) when (e is SharpPcap.PcapException or InvalidOperationException)
            {
                return ReceiveBacklog.Unknown;
            }
        }
    }

    /// <summary>
    /// Counts the kernel's drops since the last call: the consumer's when the capture thread waited
    /// on the channel meanwhile (it was full because the host reads slowly, and the ring filled
    /// behind it), else the kernel's (the capture thread fell behind the wire on its own). Called by
    /// the module's pump every 100 ms and once at the end.
    /// </summary>
    public void CountDrops()
    {
        var total = Backlog.Dropped;

        lock (_lossGate)
        {
            var fresh = total - _dropsCounted;
            var consumer = _blocked || _blockedSinceCount;
            _blockedSinceCount = _blocked;
            if (fresh <= 0)
                return;
            _dropsCounted = total;
            _session.Counters.AddRepliesDropped(fresh);
            if (consumer)
                _session.Counters.AddLostToConsumer(fresh);
            else
                _session.Counters.AddLostInKernel(fresh);
        }
    }

    /// <summary>The libpcap capture, when that is the path (tests check it took the probe module's filter and length).</summary>
    internal PcapCapture? Capture => _capture;

    /// <summary>The raw receiver, when that is the path (tests check it took the probe module's types and length).</summary>
    internal RawIcmpv6Receiver? Receiver => _receiver;

    /// <summary>
    /// Opens the responder socket and the receiver on the calling thread, and starts receiving:
    /// libpcap when <paramref name="capture"/> (falling back to the socket), else the raw socket.
    /// </summary>
    /// <param name="session">The run.</param>
    /// <param name="events">Where the events go.</param>
    /// <param name="capture">True: libpcap (the "capture" listener); false: the raw socket (the "raw" listener).</param>
    /// <param name="probe">The probe module (its filter, kernel types, lengths and classifier); the run's (<see cref="ProbeModules.For"/>) when null.</param>
    public static ListenerRun Start(DiscoverySession session, ChannelWriter<DiscoveryEvent> events, bool capture, IProbeModule? probe = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        probe ??= ProbeModules.For(session.Options);
        ArgumentNullException.ThrowIfNull(events);
        var options = session.Options;

        // Claimed first (DAD must end before a socket can bind to the address), so the responder
        // binds a socket to each claimed address as to any other of ours.
        var rendezvous = RendezvousClaim.Start(session, CaptureInterface(options));
        OwnAddresses own;
        try
        {
            own = OwnAddresses.Read(options.SourceAddress, rendezvous?.Addresses);
        }
        catch
        {
            rendezvous?.Dispose();
            throw;
        }

        if (own.Beyond > 0)
            DiscoveryLog.For(session).Warning("This node has {Count} more global addresses than the {Limit} the listener answers for", own.Beyond, OwnAddresses.Limit);
        AnnounceResponder? responder = null;
        if (options.RespondToPeers)
        {
            // One attempt, no back-off: the responder sends on the reader's thread, and a full send
            // queue must cost one counted announce, never a reader that stalls while replies pile up.
            var socketOptions = new RawIcmpv6SenderOptions
            {
                MaxAttemptsWithoutProgress = 1,
                BatchSize = 1,
                MaxMessageLength = probe.MaxProbeLength,
                InterfaceName = options.Interface,
            };
            try
            {
                responder = new AnnounceResponder(WireIdentity.FromOptions(options), session, socketOptions, own);
            }
            catch
            {
                rendezvous?.Dispose();
                throw;
            }
        }

        var run = new ListenerRun(session, probe, events, responder, own, rendezvous);
        try
        {
            run.Open(CaptureInterface(options), capture);
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>The interface to capture on: the options', else the one routing to the first target; null means every interface (raw socket).</summary>
    private static string? CaptureInterface(WidescanOptions options)
    {
        if (options.Interface is { } named)
            return named;
        if (options.ListenOnly || Targets.TargetHint.First(options.Targets) is not { } first)
            return null;
        return RouteTable.InterfaceFor(first.Network);
    }

    private void Open(string? interfaceName, bool capture)
    {
        if (capture && interfaceName is not null)
        {
            try
            {
                _capture = Privileges.Translate(() => PcapCapture.Open(interfaceName, _probe.CaptureFilter, _probe.ReceiveLength, OnFrame, CaptureBufferBytes, CaptureBatchTimeout));
                _capture.Failed = reason => Fail(new IOException($"the capture on {interfaceName} stopped: {reason} (was the interface deleted or taken down?)"));
                NamespaceInode = NetworkNamespace.CurrentThreadInode();
                Path = $"pcap on {interfaceName}";
                _capture.Start();
                return;
            }
            catch (CaptureUnavailableException e)
            {
                DiscoveryLog.For(_session).Warning("Capture with libpcap is unavailable ({Reason}); listening on a raw ICMPv6 socket instead", e.Message);
            }
        }

        var asked = ReceiveBufferBytes;
        _receiver = Privileges.Translate(() => new RawIcmpv6Receiver(new RawIcmpv6ReceiverOptions
        {
            KernelTypes = _probe.KernelTypes,
            SlotLength = _probe.ReceiveLength,
            InterfaceName = interfaceName,
            TimeProvider = _session.Time,
            ReceiveBufferBytes = asked,
            Stall = ReceiveStall,
        }));
        NamespaceInode = _receiver.NamespaceInode;
        Path = (interfaceName is null ? "raw ICMPv6 socket (every interface)" : $"raw ICMPv6 socket on {interfaceName}")
            + $", {_receiver.BufferBytes >> 10} KB receive queue";
        if (!_receiver.BufferForced && _receiver.BufferBytes < asked)
        {
            // Without CAP_NET_ADMIN the kernel caps the queue at net.core.rmem_max: a burst it cannot
            // hold is dropped (counted, and the pacing backs off), so say how to give it room.
            DiscoveryLog.For(_session).Warning(
                "The receive queue is {Got} KB, not the {Asked} KB asked for (net.core.rmem_max caps it without CAP_NET_ADMIN): raise net.core.rmem_max or grant CAP_NET_ADMIN, or expect a lower rate",
                _receiver.BufferBytes >> 10, asked >> 10);
        }

        var receiver = _receiver;
        _receiverThread = new Thread(() => RunReceiver(receiver)) { IsBackground = true, Name = "widescan-listener" };
        _receiverThread.Start();
    }

    private void RunReceiver(RawIcmpv6Receiver receiver)
    {
        try
        {
            receiver.Run(OnMessage, _stopping.Token);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            if (!_stopping.IsCancellationRequested)
                Fail(new IOException($"the ICMPv6 receiver stopped: {e.Message}", e));
        }
    }

    /// <summary>
    /// The listener can hear nothing more: says so and ends the channel with the error, which ends
    /// the run as failed (a deaf listener must not look like a quiet network).
    /// </summary>
    private void Fail(IOException error)
    {
        if (_stopping.IsCancellationRequested)
            return;
        DiscoveryLog.For(_session).Error("The listener stopped: {Reason}", error.Message);
        _events.TryComplete(error);
    }

    private void OnFrame(ReadOnlySpan<byte> frame, DateTimeOffset timestamp, LinkLayers linkType)
    {
        var result = linkType switch
        {
            LinkLayers.Ethernet => _classifier.ClassifyEthernet(frame, timestamp),
            LinkLayers.Raw or LinkLayers.RawLegacy => _classifier.ClassifyIpv6(frame, timestamp),
            LinkLayers.LinuxSll when frame.Length > 16 => _classifier.ClassifyIpv6(frame[16..], timestamp),
            _ => Classification.Ignore(IgnoreReason.NotIpv6),
        };

        // The data offset is relative to the bytes classified: past the 16-byte SLL header on "any".
        Handle(result, linkType == LinkLayers.LinuxSll && frame.Length > 16 ? frame[16..] : frame);
        Interlocked.Exchange(ref _handledArrival, timestamp.UtcTicks);
    }

    private void OnMessage(ReadOnlySpan<byte> message, UInt128 source, UInt128 destination, DateTimeOffset timestamp)
    {
        Handle(_classifier.ClassifyIcmp(message, source, destination, timestamp), message);
        Interlocked.Exchange(ref _handledArrival, timestamp.UtcTicks);
    }

    private void Handle(in Classification c, ReadOnlySpan<byte> bytes)
    {
        var counters = _session.Counters;
        counters.AddPacketsReceived(1);
        switch (c.Kind)
        {
            case PacketKind.HostAlive:
                // A target that produced an error is never reported alive: its later echo (a second
                // probe's, over a flapping route, or one forged by who saw the probe) is counted
                // instead. An echo before the error is the filter's to drop (within its grace).
                switch (_seen.Alive(c.Source))
                {
                    case Sighting.New:
                        Emit(new HostAlive(_session.Time.GetUtcNow(), c.Source, c.RoundTrip));
                        break;
                    case Sighting.Overruled:
                        counters.AddAliveOverruled(1);
                        break;
                }

                break;
            case PacketKind.TargetUnreachable:
                // Once per target, whichever router or error type came first: later errors (another
                // probe, another hop) add nothing a result would carry.
                if (_seen.Error(c.Target))
                    Emit(new TargetUnreachable(_session.Time.GetUtcNow(), c.Target, c.Source, c.IcmpType, c.Code));
                break;
            case PacketKind.PeerDiscovered:
                // Each address is reported once per grade of evidence, strongest last: a spoofed
                // announce that came first does not shut out the real node's answer to our probe.
                _sightings.Announce(c, bytes, _emit);
                break;
            case PacketKind.ProbeReceived:
                // Only probes to our own addresses get here (the classifier drops the ones in transit).
                counters.AddProbesReceived(1);
                _sightings.Probe(c, _responder?.Answer(c) ?? false, _emit);
                break;
            default:
                counters.AddIgnored(1);
                break;
        }
    }

    private void Emit(DiscoveryEvent e)
    {
        if (_events.TryWrite(e))
            return;

        // The channel is bounded: wait for the module to drain it rather than lose a result. While
        // this thread waits, the capture ring fills and the kernel drops: those drops are the slow
        // host's, counted apart so the summary names the right fix. A stopping listener gives up
        // (nobody reads any more), and counts the event lost.
        _blockedSinceCount = true;
        _blockedEver = true;
        _blocked = true;
        try
        {
            _events.WriteAsync(e, _stopping.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            _session.Counters.AddLostToConsumer(1);
        }
        finally
        {
            _blocked = false;
        }
    }

    /// <summary>
    /// Before stopping, lets the capture hand over what the kernel still holds for it (stopping
    /// libpcap discards its ring, and a busy run can end with a ring and a channel full of answers):
    /// waits while frames are pending, at most <see cref="CatchUpLimit"/>; two seconds without
    /// progress end the wait (a ring block the kernel never retires stays stuck).
    /// </summary>
    private void CatchUp()
    {
        var until = Environment.TickCount64 + (long)CatchUpLimit.TotalMilliseconds;
        var last = -1L;
        var progressAt = Environment.TickCount64;
        while (Environment.TickCount64 < until)
        {
            if (_receiver is { } receiver && receiver.Backlog.QueuedBytes == 0 && !receiver.Busy)
                break; // the socket's queue is empty and its reader idle: everything is handed over

            // Progress is counted per packet handled (the socket's reader counts per batch, and a
            // batch behind a slow host takes a while); two seconds without any end the wait.
            var handled = _capture?.Received ?? _session.Counters.PacketsReceived;
            var now = Environment.TickCount64;
            if (handled != last)
            {
                last = handled;
                progressAt = now;
            }
            else if (_capture is { Pending: 0 })
            {
                break;
            }

            if (now - progressAt >= (long)CatchUpStall.TotalMilliseconds)
                break;
            Thread.Sleep(_receiver is null ? 50 : 5);
        }

        long left;
        try
        {
            left = _capture?.Pending ?? 0;
        }
        catch (Exception e) when (e is SharpPcap.PcapException or InvalidOperationException)
        {
            left = 0; // the handle broke (its interface went away): nothing more can be read from it
        }

        if (left > 0)
        {
            // Held back by a slow host (the capture thread had to wait on it: the backlog is its), or
            // by a capture thread that could not keep up on its own.
            var consumer = _blocked || _blockedEver;
            if (consumer)
                _session.Counters.AddLostToConsumer(left);
            else
                _session.Counters.AddLostInCapture(left);
            DiscoveryLog.For(_session).Warning("The capture still held {Frames} frames when the run ended: their answers are missing ({Why})",
                left, consumer ? "the host read results too slowly" : "the capture could not keep up: lower WidescanOptions.Rate, or send ProbesPerTarget 2");
        }
    }

    /// <summary>
    /// What the socket still held once its reader stopped (the catch-up gave up: the host read too
    /// slowly, or the reader could not keep up): read and counted as lost, never dropped unsaid.
    /// </summary>
    private void CountLeftInQueue(RawIcmpv6Receiver receiver)
    {
        // Only what would have been a result counts as lost (a ping to this host or junk left in the
        // queue is not an answer); the read-out is bounded, so a flood cannot hold the stop.
        long left = 0;
        try
        {
            receiver.Discard((message, source, destination, arrival) =>
            {
                // Only first sightings count, each added to its set as it is seen: two errors of one
                // target (or two echoes of one host) left in the queue are one answer lost.
                var c = _classifier.ClassifyIcmp(message, source, destination, arrival);
                switch (c.Kind)
                {
                    case PacketKind.HostAlive:
                        var sighting = _seen.Alive(c.Source);
                        if (sighting == Sighting.New)
                            left++;
                        else if (sighting == Sighting.Overruled)
                            _session.Counters.AddAliveOverruled(1); // it would not have been reported anyway
                        break;
                    case PacketKind.PeerDiscovered when _sightings.WouldReport(c):
                    case PacketKind.TargetUnreachable when _seen.Error(c.Target):
                        left++;
                        break;
                }
            }, LeftoverBudget);
        }
        catch (IOException)
        {
            return;
        }

        if (left == 0)
            return;
        var consumer = _blockedEver;
        if (consumer)
            _session.Counters.AddLostToConsumer(left);
        else
            _session.Counters.AddLostInCapture(left);
        DiscoveryLog.For(_session).Warning("The receive queue still held {Messages} messages when the run ended: their answers are missing ({Why})",
            left, consumer ? "the host read results too slowly" : "the listener could not keep up: lower WidescanOptions.Rate, or send ProbesPerTarget 2");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        CatchUp();
        CountDrops();
        _stopping.Cancel();
        if (_sightings.Refused > 0)
            DiscoveryLog.For(_session).Warning(
                "{Refused} unauthenticated announces or probes from new sources were not reported: {Budget} over the bound of {PerPrefix} per source /64 and {Burst} at once ({PerSecond} a second after that), {Bound} while {Capacity} such peers were held (WidescanOptions.MaxTrackedPeers) (without a network key they cannot be told from forgeries; set NetworkKey)",
                _sightings.Refused, _sightings.RefusedByBudget, UnsolicitedBudget.PerPrefix, UnsolicitedBudget.Burst, UnsolicitedBudget.PerSecond, _sightings.OverBound, _sightings.Capacity);
        if (_sightings.RepeatsDropped > 0)
            DiscoveryLog.For(_session).Information(
                "{Dropped} unauthenticated, unsolicited sightings of peers proven stronger were not handed on (they could be forged: they neither keep a peer alive nor change it)",
                _sightings.RepeatsDropped);
        if (_classifier.Ignored[IgnoreReason.NotForUs] is > 0 and var notForUs)
            DiscoveryLog.For(_session).Debug("{Count} probes and announces to addresses that are not this node's were ignored (captured in transit)", notForUs);
        _capture?.Dispose();
        _receiverThread?.Join(TimeSpan.FromSeconds(5));
        if (_receiver is { } socket && !(_receiverThread?.IsAlive ?? false))
        {
            CountLeftInQueue(socket);
            CountDrops(); // what the kernel dropped while the reader stopped and its queue was read out
        }

        if (_dropsCounted > 0)
        {
            // The module's summary reports the counts with the fix that applies to each.
            DiscoveryLog.For(_session).Warning("The listener ({Path}) lost {Dropped} replies in the kernel (its queue was full): {Consumer} while the host was not reading results, {Kernel} while the listener itself fell behind",
                Path, _dropsCounted, _session.Counters.LostToConsumer, _session.Counters.LostInKernel);
        }

        _receiver?.Dispose();

        // A reader that did not stop in time may still be inside the responder's send: its native
        // buffers and socket are left to the process rather than freed under it.
        if (!(_receiverThread?.IsAlive ?? false))
            _responder?.Dispose();
        _rendezvous?.Dispose(); // last: the responder's sockets are bound to its addresses
        _stopping.Dispose();
    }
}
