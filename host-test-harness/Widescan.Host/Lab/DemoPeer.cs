namespace Widescan.Host.Lab;

/// <summary>
/// One Widescan peer of the demo lab: its own namespace behind the hub, one address inside the
/// scanned prefix, and the port and node id its listener announces.
/// </summary>
/// <param name="Number">1-based, as the report shows it.</param>
/// <param name="Namespace">The peer's network namespace.</param>
/// <param name="Address">Its address inside the scanned prefix, on <see cref="DemoLab.PeerInterface"/>.</param>
/// <param name="HubInterface">The hub's end of the veth to this peer.</param>
/// <param name="Port">The port its listener announces.</param>
/// <param name="NodeId">The node id its listener announces, 32 hex digits.</param>
internal sealed record DemoPeer(int Number, string Namespace, string Address, string HubInterface, int Port, string NodeId);
