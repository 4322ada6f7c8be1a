using System.Composition;
using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The "l2" broadcaster, the layer-2 fast path: whole Ethernet frames on AF_PACKET sockets with
/// PACKET_QDISC_BYPASS, addressed to the gateway's MAC from the kernel's neighbour table, with our
/// own checksum. The kernel routes nothing and resolves no neighbour, so an on-link sweep cannot fill
/// its neighbour table; the targets must lie behind a gateway (an on-link prefix is refused with a
/// message to use "raw").
/// </summary>
[Export(typeof(IProbeBroadcaster))]
[ExportMetadata("Name", "l2")]
[ExportMetadata("Kind", PartKinds.Broadcaster)]
internal sealed class Layer2ProbeBroadcaster : IProbeBroadcaster
{
    /// <inheritdoc />
    public string Name => "l2";

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">No route, an on-link prefix, an unresolved gateway or no source address; the message names the fix.</exception>
    public IProbeSender Open(DiscoverySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var options = session.Options;
        if (options.Targets?.Include is not [var first, ..])
            throw new InvalidOperationException("the layer-2 broadcaster needs targets");
        var route = RouteTable.RouteFor(first.Network)
            ?? throw new InvalidOperationException($"no route to {first}: the layer-2 broadcaster sends to the gateway of the route");
        var interfaceName = options.Interface ?? route.Interface;
        if (route.NextHop == UInt128.Zero)
            throw new InvalidOperationException($"{first} is on-link on {interfaceName} (no gateway): the layer-2 broadcaster needs one; use the raw broadcaster");
        var index = PacketSocket.InterfaceIndex(interfaceName);
        var gatewayMac = NeighbourTable.MacOf(route.NextHop, index)
            ?? throw new InvalidOperationException(
                $"the gateway {Ipv6Address.Format(route.NextHop)} on {interfaceName} is not in the neighbour table: reach it once (ping it) or use the raw broadcaster");
        var source = options.SourceAddress ?? LocalAddresses.Global(interfaceName).FirstOrDefault();
        if (source == UInt128.Zero)
            throw new InvalidOperationException($"{interfaceName} has no global IPv6 address to send from: give a source address");

        var writer = new ProbeWriter(WireIdentity.FromOptions(options), new ValidationTag(session.ScanSecret), source);
        ulong mac = 0;
        var sockets = RawProbeBroadcaster.OpenLanes(options, () =>
            RawIcmpv6Sender.ForFrames(PacketSocket.Open(interfaceName, out mac), new RawIcmpv6SenderOptions { MaxMessageLength = writer.FrameLength }));

        DiscoveryLog.For(session).Information(
            "Layer-2 path on {Interface}: frames from {Source} ({Mac}) to the gateway {Gateway} ({GatewayMac})",
            interfaceName, Ipv6Address.Format(source), Mac(mac), Ipv6Address.Format(route.NextHop), Mac(gatewayMac));
        return new ProbeSender(session, sockets, writer, new LinkAddressing(gatewayMac, mac, source));
    }

    private static string Mac(ulong mac) => string.Join(':', Enumerable.Range(0, 6).Select(i => ((mac >> (40 - (8 * i))) & 0xff).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
