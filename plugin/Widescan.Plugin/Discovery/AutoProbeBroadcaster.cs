using System.Composition;
using Widescan.Contracts;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The "auto" broadcaster, the default: the layer-2 path (the fastest: FACTS, 301k against 244k
/// probes/s for the raw socket on a sparse /108) when every include prefix routes through one gateway
/// on one interface, none on-link, and that gateway's MAC is known or learned within a second;
/// otherwise the raw socket. It logs one line naming the path and why.
/// </summary>
[Export(typeof(IProbeBroadcaster))]
[ExportMetadata("Name", "auto")]
[ExportMetadata("Kind", PartKinds.Broadcaster)]
[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]
internal sealed class AutoProbeBroadcaster : IProbeBroadcaster
{
    /// <summary>The start of the line that says which path a run took (tests read it).</summary>
    internal const string LinePrefix = "Broadcaster auto: ";

    private readonly RawProbeBroadcaster _raw = new();

    /// <inheritdoc />
    public string Name => "auto";

    /// <inheritdoc />
    public IProbeSender Open(DiscoverySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var options = session.Options;
        var log = DiscoveryLog.For(session);
        // A list's addresses may take any route: the raw socket lets the kernel route each one.
        var choice = options.Targets is { HasTargetFiles: true }
            ? new SendPathChoice.Raw("the targets are address lists (TargetFiles), whose routes are not checked one by one")
            : SendPath.Choose(options.Targets?.Include ?? [], options.Interface, RouteTable.RoutesWithin);
        if (choice is not SendPathChoice.Layer2 path)
            return Raw(session, ((SendPathChoice.Raw)choice).Reason);

        var gateway = Ipv6Address.Format(path.Gateway);
        if (Layer2ProbeBroadcaster.SourceFor(options, path.Interface) is not { } source)
            return Raw(session, $"{path.Interface} has no global IPv6 address to send frames from");
        (ulong Mac, GatewayResolver.Source How)? resolved;
        try
        {
            resolved = Layer2ProbeBroadcaster.ResolveGateway(path, source);
        }
        catch (IOException e)
        {
            return Raw(session, $"the gateway {gateway} on {path.Interface} cannot be resolved: {e.Message}");
        }

        if (resolved is not var (mac, how))
            return Raw(session, $"the gateway {gateway} on {path.Interface} is not in the neighbour table and did not answer a Neighbor Solicitation within {Layer2ProbeBroadcaster.ResolveTimeout.TotalSeconds:0.#} s");

        IProbeSender sender;
        try
        {
            sender = Layer2ProbeBroadcaster.OpenFrames(session, path, source, mac);
        }
        catch (IOException e)
        {
            return Raw(session, $"the layer-2 path on {path.Interface} cannot open: {e.Message}");
        }

        log.Information(
            LinePrefix + "layer-2 path on {Interface} via gateway {Gateway} ({GatewayMac}, {How}): every include prefix routes through it",
            path.Interface, gateway, Layer2ProbeBroadcaster.Mac(mac), how == GatewayResolver.Source.Solicitation ? "answered our Neighbor Solicitation" : "from the neighbour table");
        return sender;
    }

    private IProbeSender Raw(DiscoverySession session, string reason)
    {
        var sender = _raw.Open(session);
        DiscoveryLog.For(session).Information(LinePrefix + "raw socket: {Reason}", reason);
        return sender;
    }
}
