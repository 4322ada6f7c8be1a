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

/// <summary>A running listener. Dispose stops it; no event is written after Dispose returns.</summary>
public interface IListenerRun : IDisposable
{
    /// <summary>How it captures, for logs ("pcap on eth0", "raw ICMPv6 socket").</summary>
    string Path { get; }
}
