using System.Threading.Channels;

namespace Widescan.Contracts;

/// <summary>
/// Captures ICMPv6 echo traffic and tells apart live hosts, Widescan peers and other Widescan scanners
/// (which it answers). Exported through MEF with <see cref="PartMetadata"/> (Kind "listener"); it runs
/// on its own, with or without a scan.
/// </summary>
public interface IDiscoveryListener
{
    /// <summary>The listener's name ("capture": libpcap, falling back to a raw ICMPv6 socket).</summary>
    string Name { get; }

    /// <summary>
    /// Opens the capture (and the socket that answers scanners) on the calling thread and starts it:
    /// once this returns, no answer to a probe sent afterwards can be missed. Events (each responder
    /// once per run: <see cref="HostAlive"/>, <see cref="PeerDiscovered"/>, <see cref="ProbeReceived"/>,
    /// <see cref="TargetUnreachable"/>)
    /// go to <paramref name="events"/>. A listener that can no longer hear (its interface disappeared)
    /// completes <paramref name="events"/> with an <see cref="IOException"/> that says so; the module
    /// then ends the run as <see cref="DiscoveryStatus.Failed"/>.
    /// </summary>
    /// <exception cref="MissingPrivilegeException">The process lacks CAP_NET_RAW.</exception>
    IListenerRun Start(DiscoverySession session, ChannelWriter<DiscoveryEvent> events);
}

/// <summary>
/// A running listener. Dispose stops it; no event is written after Dispose returns. Beyond
/// <see cref="Path"/>, what the discovery module asks of a listener has a default, so a third party's
/// listener works as it is; overriding a default makes checkpoints tighter and pacing possible.
/// </summary>
public interface IListenerRun : IDisposable
{
    /// <summary>How it captures, for logs ("pcap on eth0", "raw ICMPv6 socket").</summary>
    string Path { get; }

    /// <summary>
    /// The time up to which every packet that arrived has been classified and its events written:
    /// a checkpoint's cursor covers only answers heard by then. Called from one thread (the module's
    /// event pump) about every 100 ms. The default, <paramref name="now"/>, is right for a listener
    /// that writes each event before it reads the next packet and holds none back.
    /// </summary>
    DateTimeOffset CaughtUpTo(DateTimeOffset now) => now;

    /// <summary>
    /// Its kernel queue now and the kernel's drops so far, read every few milliseconds while probes
    /// are sent: the module slows the sender (<see cref="IProbeSender.LimitRate"/>) when the queue
    /// fills or drops grow. <see cref="ReceiveBacklog.Unknown"/> by default: no pacing on it.
    /// </summary>
    ReceiveBacklog Backlog => ReceiveBacklog.Unknown;

    /// <summary>
    /// Called from the module's event pump about every 100 ms and once at the end: a listener that
    /// learns of lost answers by polling (a kernel drop counter) adds them to the session's
    /// <see cref="DiscoveryCounters"/> here (<see cref="DiscoveryCounters.AddLostInKernel"/>, ...), so
    /// the summary counts them. Nothing by default.
    /// </summary>
    void CountDrops()
    {
    }
}
