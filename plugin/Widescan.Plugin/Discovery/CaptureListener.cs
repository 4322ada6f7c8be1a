using System.Composition;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The "capture" listener: libpcap on the scan's interface with a BPF filter (it also sees probes in
/// transit), or the raw ICMPv6 socket when libpcap or the interface is unavailable (logged).
/// </summary>
[Export(typeof(IDiscoveryListener))]
[ExportMetadata("Name", "capture")]
[ExportMetadata("Kind", PartKinds.Listener)]
[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]
internal sealed class CaptureListener : IDiscoveryListener
{
    /// <inheritdoc />
    public string Name => "capture";

    /// <inheritdoc />
    public IListenerRun Start(DiscoverySession session, System.Threading.Channels.ChannelWriter<DiscoveryEvent> events) =>
        ListenerRun.Start(session, events, capture: true);
}
