using System.Composition;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The "capture" listener: libpcap on the scan's interface with a BPF filter, or a raw ICMPv6 socket
/// with ICMP6_FILTER when libpcap or the interface is unavailable (logged), feeding the classifier.
/// </summary>
[Export(typeof(IDiscoveryListener))]
[ExportMetadata("Name", "capture")]
[ExportMetadata("Kind", PartKinds.Listener)]
internal sealed class CaptureListener : IDiscoveryListener
{
    /// <inheritdoc />
    public string Name => "capture";

    /// <inheritdoc />
    public IListenerRun Start(DiscoverySession session, System.Threading.Channels.ChannelWriter<DiscoveryEvent> events) =>
        ListenerRun.Start(session, events);
}
