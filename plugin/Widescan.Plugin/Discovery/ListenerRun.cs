using System.Threading.Channels;
using PacketDotNet;
using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// A running listener: one capture thread classifies every echo packet, reports each responder once
/// per run (memory grows with responders, never with targets), and answers scanners through the
/// <see cref="AnnounceResponder"/>. Nothing is allocated per packet except an event per new responder.
/// </summary>
internal sealed class ListenerRun : IListenerRun
{
    /// <summary>
    /// How long libpcap may hold captured frames to hand them over a block at a time: short next to
    /// any cooldown, long enough that a busy scan wakes the capture thread per block, not per reply.
    /// Round trips come from the kernel's capture timestamps, so the wait does not inflate them.
    /// </summary>
    internal static readonly TimeSpan CaptureBatchTimeout = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The capture ring: 32 MB holds ~100k frames of the 256-byte snap, about half a second of replies
    /// at 200k pps, so a capture thread that loses its core to the send lanes for a moment catches up
    /// instead of losing answers (8 MB lost up to 5% of a /108 at 230k pps on two cores).
    /// </summary>
    internal const int CaptureBufferBytes = 32 << 20;

    /// <summary>The longest a stopping listener waits for its capture to hand over what it holds.</summary>
    internal static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(10);

    private readonly DiscoverySession _session;
    private readonly ChannelWriter<DiscoveryEvent> _events;
    private readonly PacketClassifier _classifier;
    private readonly AnnounceResponder? _responder;
    private readonly UnsolicitedBudget _unsolicited;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<UInt128> _alive = [];
    private readonly Dictionary<UInt128, PeerEvidence> _peers = [];
    private readonly HashSet<UInt128> _scanners = [];
    private PcapCapture? _capture;
    private RawIcmpv6Receiver? _receiver;
    private Thread? _receiverThread;
    private int _disposed;

    private ListenerRun(DiscoverySession session, ChannelWriter<DiscoveryEvent> events, AnnounceResponder? responder, OwnAddresses own)
    {
        _session = session;
        _events = events;
        _responder = responder;
        _unsolicited = new UnsolicitedBudget(session.Time);
        var identity = WireIdentity.FromOptions(session.Options);
        _classifier = new PacketClassifier(identity, new ValidationTag(session.ScanSecret), session.Time, isOwn: own.Contains);
    }

    /// <inheritdoc />
    public string Path { get; private set; } = "";

    /// <summary>The network namespace of the capture or socket (tests check it is the lab's).</summary>
    public ulong NamespaceInode { get; private set; }

    /// <summary>Packets ignored per reason (read after Dispose; the capture thread owns it before).</summary>
    public IgnoreCounters Ignored => _classifier.Ignored;

    /// <summary>Opens the responder socket and the capture on the calling thread, and starts capturing.</summary>
    public static ListenerRun Start(DiscoverySession session, ChannelWriter<DiscoveryEvent> events)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(events);
        var options = session.Options;
        var own = OwnAddresses.Read(options.SourceAddress);
        if (own.Beyond > 0)
            DiscoveryLog.For(session).Warning("This node has {Count} more global addresses than the {Limit} the listener answers for", own.Beyond, OwnAddresses.Limit);
        AnnounceResponder? responder = null;
        if (options.RespondToPeers)
        {
            var socketOptions = new RawIcmpv6SenderOptions
            {
                BatchSize = 1,
                MaxMessageLength = WireFormat.MaxProbeLength,
                InterfaceName = options.Interface,
            };
            responder = new AnnounceResponder(WireIdentity.FromOptions(options), session, socketOptions, own);
        }

        var run = new ListenerRun(session, events, responder, own);
        try
        {
            run.Open(CaptureInterface(options));
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
        if (options.ListenOnly || options.Targets?.Include is not [var first, ..])
            return null;
        return RouteTable.InterfaceFor(first.Network);
    }

    private void Open(string? interfaceName)
    {
        if (interfaceName is not null)
        {
            try
            {
                _capture = Privileges.Translate(() => PcapCapture.Open(interfaceName, OnFrame, CaptureBufferBytes, batchTimeout: CaptureBatchTimeout));
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

        _receiver = Privileges.Translate(() => new RawIcmpv6Receiver(new RawIcmpv6ReceiverOptions
        {
            InterfaceName = interfaceName,
            TimeProvider = _session.Time,
        }));
        NamespaceInode = _receiver.NamespaceInode;
        Path = interfaceName is null ? "raw ICMPv6 socket (every interface)" : $"raw ICMPv6 socket on {interfaceName}";
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
                DiscoveryLog.For(_session).Error("The ICMPv6 receiver stopped: {Reason}", e.Message);
        }
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
    }

    private void OnMessage(ReadOnlySpan<byte> message, UInt128 source, UInt128 destination, DateTimeOffset timestamp) =>
        Handle(_classifier.ClassifyIcmp(message, source, destination, timestamp), message);

    private void Handle(in Classification c, ReadOnlySpan<byte> bytes)
    {
        var counters = _session.Counters;
        counters.AddPacketsReceived(1);
        switch (c.Kind)
        {
            case PacketKind.HostAlive:
                if (_alive.Add(c.Source))
                    Emit(new HostAlive(_session.Time.GetUtcNow(), c.Source, c.RoundTrip));
                break;
            case PacketKind.PeerDiscovered:
            {
                // Each address is reported once per grade of evidence, strongest last: a spoofed
                // announce that came first does not shut out the real node's answer to our probe.
                var how = c.AnsweredProbe ? PeerDiscoveryMethod.AnsweredProbe : PeerDiscoveryMethod.Announced;
                var evidence = PeerEvidenceOf.Grade(how, c.Authenticated);
                if (_peers.GetValueOrDefault(c.Source) < evidence && (evidence != PeerEvidence.Unproven || _unsolicited.Admit(c.Source)))
                {
                    _peers[c.Source] = evidence;
                    Emit(new PeerDiscovered(_session.Time.GetUtcNow(), c.Source, c.NodeId, c.Port, how, c.Authenticated,
                        c.Data(bytes).ToArray(), c.AnsweredProbe ? c.RoundTrip : null));
                }

                break;
            }

            case PacketKind.ProbeReceived:
            {
                // Only probes to our own addresses get here (the classifier drops the ones in transit).
                counters.AddProbesReceived(1);
                var answered = _responder?.Answer(c) ?? false;
                if (!_scanners.Contains(c.Source) && (c.Authenticated || _unsolicited.Admit(c.Source)))
                {
                    _scanners.Add(c.Source);
                    var now = _session.Time.GetUtcNow();
                    Emit(new ProbeReceived(now, c.Source, c.NodeId, answered));
                    var evidence = PeerEvidenceOf.Grade(PeerDiscoveryMethod.ProbedUs, c.Authenticated);
                    if (PeerEvidenceOf.Raise(_peers, c.Source, evidence))
                        Emit(new PeerDiscovered(now, c.Source, c.NodeId, c.Port, PeerDiscoveryMethod.ProbedUs, c.Authenticated, ReadOnlyMemory<byte>.Empty, null));
                }

                break;
            }

            default:
                counters.AddIgnored(1);
                break;
        }
    }

    private void Emit(DiscoveryEvent e)
    {
        if (_events.TryWrite(e))
            return;
        try
        {
            // The channel is bounded: wait for the module to drain it rather than lose a result; a
            // stopping listener gives up, since nobody reads any more.
            _events.WriteAsync(e, _stopping.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        catch (ChannelClosedException)
        {
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
        var still = 0;
        while (Environment.TickCount64 < until)
        {
            var handled = _capture?.Received ?? _receiver?.Received ?? 0;
            still = handled == last ? still + 1 : 0;
            if ((still >= 1 && (_capture?.Pending ?? 0) == 0) || still >= 40)
                break;
            last = handled;
            Thread.Sleep(50);
        }

        if (_capture?.Pending is > 0 and var left)
            DiscoveryLog.For(_session).Warning("The capture still held {Frames} frames when the run ended: their answers are missing (lower --rate, or give --probes 2)", left);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        CatchUp();
        _stopping.Cancel();
        if (_unsolicited.Refused > 0)
            DiscoveryLog.For(_session).Warning(
                "{Refused} unauthenticated announces or probes from new sources were not reported: over the bound of {PerPrefix} per source /64 and {Burst} at once ({PerSecond} a second after that) (without a network key they cannot be told from forgeries; set NetworkKey)",
                _unsolicited.Refused, UnsolicitedBudget.PerPrefix, UnsolicitedBudget.Burst, UnsolicitedBudget.PerSecond);
        if (_classifier.Ignored[IgnoreReason.NotForUs] is > 0 and var notForUs)
            DiscoveryLog.For(_session).Debug("{Count} probes and announces to addresses that are not this node's were ignored (captured in transit)", notForUs);
        if (_capture is { } capture && capture.KernelDropped is > 0 and var dropped)
            DiscoveryLog.For(_session).Warning("The capture on {Interface} lost {Dropped} frames in the kernel (the ring was full): answers may be missing; lower --rate", capture.InterfaceName, dropped);
        _capture?.Dispose();
        _receiverThread?.Join(TimeSpan.FromSeconds(5));
        _receiver?.Dispose();
        _responder?.Dispose();
        _stopping.Dispose();
    }
}
