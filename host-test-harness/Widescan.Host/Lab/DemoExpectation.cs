using Widescan.Contracts;

namespace Widescan.Host.Lab;

/// <summary>What the demo's scan must find: the lab's plain hosts as alive, its peers as peers, and each listener the scanner.</summary>
/// <param name="Hosts">The plain hosts' addresses.</param>
/// <param name="Peers">The peers, with the port and node id each announces.</param>
/// <param name="ScannerAddress">Where the probes come from.</param>
/// <param name="ScannerNodeId">The node id the scan announces, 32 hex digits.</param>
internal sealed record DemoExpectation(IReadOnlyList<string> Hosts, IReadOnlyList<DemoPeer> Peers, string ScannerAddress, string ScannerNodeId)
{
    /// <summary>What a scan of <paramref name="lab"/> must find.</summary>
    public static DemoExpectation Of(DemoLab lab) => new(lab.Hosts, lab.Peers, DemoLab.ScannerAddress, DemoLab.ScannerNodeId);

    /// <summary>Which host (1-based) or peer an address is, for the report; null when it is not in the lab.</summary>
    public string? Describe(UInt128 address)
    {
        for (var i = 0; i < Hosts.Count; i++)
        {
            if (Ipv6Address.Parse(Hosts[i]) == address)
                return $"host {i + 1}";
        }

        var peer = Peers.FirstOrDefault(p => Ipv6Address.Parse(p.Address) == address);
        return peer is null ? null : $"peer {peer.Number}";
    }
}
