using System.Composition;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The "raw" listener, the default: a raw ICMPv6 socket (ICMP6_FILTER to the probe's types, recvmmsg,
/// kernel timestamps, a queue as large as the kernel allows) whose fill and drops pace the sender.
/// Chosen by measurement over libpcap: docs/benchmarks.md, "Receive paths".
/// </summary>
[Export(typeof(IDiscoveryListener))]
[ExportMetadata("Name", "raw")]
[ExportMetadata("Kind", PartKinds.Listener)]
[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]
internal sealed class RawSocketListener : IDiscoveryListener
{
    /// <inheritdoc />
    public string Name => "raw";

    /// <inheritdoc />
    public IListenerRun Start(DiscoverySession session, System.Threading.Channels.ChannelWriter<DiscoveryEvent> events) =>
        ListenerRun.Start(session, events, capture: false);
}
