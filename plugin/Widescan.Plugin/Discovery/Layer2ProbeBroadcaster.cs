using System.Composition;
using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The "l2" broadcaster, the layer-2 fast path: whole Ethernet frames on AF_PACKET sockets with
/// PACKET_QDISC_BYPASS, addressed to the gateway's MAC (the kernel's neighbour table, else our own
/// Neighbor Solicitation), with our own checksum. The kernel routes nothing and resolves no neighbour,
/// so an on-link sweep cannot fill its neighbour table; every include prefix must lie behind one
/// gateway on one interface (<see cref="SendPath"/>), else it is refused with a message to use "raw".
/// </summary>
[Export(typeof(IProbeBroadcaster))]
[ExportMetadata("Name", "l2")]
[ExportMetadata("Kind", PartKinds.Broadcaster)]
[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]
internal sealed class Layer2ProbeBroadcaster : IProbeBroadcaster
{
    /// <summary>How long an unresolved gateway is given to answer our solicitations.</summary>
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public string Name => "l2";

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Prefixes without one shared gateway, an unresolved gateway or no source address; the message names the fix.</exception>
    public IProbeSender Open(DiscoverySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var options = session.Options;
        if (options.Targets is { HasTargetFiles: true })
            throw new InvalidOperationException("the layer-2 broadcaster sends every frame to one gateway, checked against the include prefixes' routes, and the addresses of TargetFiles are not checked one by one: use the raw broadcaster");
        if (options.Targets?.Include is not { Count: > 0 } includes)
            throw new InvalidOperationException("the layer-2 broadcaster needs targets");
        var path = SendPath.Choose(includes, options.Interface, RouteTable.RoutesWithin) switch
        {
            SendPathChoice.Layer2 layer2 => layer2,
            SendPathChoice.Raw raw => throw new InvalidOperationException($"the layer-2 broadcaster sends every frame to one gateway, but {raw.Reason}: use the raw broadcaster"),
            _ => throw new InvalidOperationException("unknown send path"),
        };
        var source = SourceFor(options, path.Interface)
            ?? throw new InvalidOperationException($"{path.Interface} has no global IPv6 address to send from: give a source address");
        var gatewayMac = ResolveGateway(path, source)?.Mac
            ?? throw new InvalidOperationException(
                $"the gateway {Ipv6Address.Format(path.Gateway)} on {path.Interface} is not in the neighbour table and did not answer a Neighbor Solicitation within {ResolveTimeout.TotalSeconds:0.#} s: check the route, or use the raw broadcaster");
        return OpenFrames(session, path, source, gatewayMac);
    }

    /// <summary>The frames' source: the options' address, else the interface's first global one; null when it has none.</summary>
    internal static UInt128? SourceFor(WidescanOptions options, string interfaceName) =>
        options.SourceAddress ?? (LocalAddresses.Global(interfaceName) is [var first, ..] ? first : null);

    /// <summary>The gateway's MAC (neighbour table, else our solicitation, up to <see cref="ResolveTimeout"/>), or null.</summary>
    internal static (ulong Mac, GatewayResolver.Source How)? ResolveGateway(SendPathChoice.Layer2 path, UInt128 source) =>
        Privileges.Translate(() => GatewayResolver.Resolve(path.Interface, path.Gateway, source, ResolveTimeout));

    /// <summary>Opens the frame lanes of a decided layer-2 path.</summary>
    /// <exception cref="IOException">The interface is gone or is not Ethernet.</exception>
    internal static IProbeSender OpenFrames(DiscoverySession session, SendPathChoice.Layer2 path, UInt128 source, ulong gatewayMac)
    {
        var options = session.Options;
        var writer = ProbeModules.For(options).Prepare(WireIdentity.FromOptions(options), new ValidationTag(session.ScanSecret), source);
        ulong mac = 0;
        var sockets = RawProbeBroadcaster.OpenLanes(options, () =>
            RawIcmpv6Sender.ForFrames(PacketSocket.Open(path.Interface, out mac), new RawIcmpv6SenderOptions { MaxMessageLength = writer.FrameLength }));

        DiscoveryLog.For(session).Information(
            "Layer-2 path on {Interface}: frames from {Source} ({Mac}) to the gateway {Gateway} ({GatewayMac})",
            path.Interface, Ipv6Address.Format(source), Mac(mac), Ipv6Address.Format(path.Gateway), Mac(gatewayMac));
        return new ProbeSender(session, sockets, writer, new LinkAddressing(gatewayMac, mac, source));
    }

    /// <summary>A MAC as 02:57:53:00:00:0b.</summary>
    internal static string Mac(ulong mac) => string.Join(':', Enumerable.Range(0, 6).Select(i => ((mac >> (40 - (8 * i))) & 0xff).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
