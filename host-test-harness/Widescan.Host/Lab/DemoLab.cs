using System.Globalization;
using Widescan.Contracts;

namespace Widescan.Host.Lab;

/// <summary>
/// The demo's network: a scanner namespace routing 2001:db8::/32 to a hub namespace over a veth; the
/// hub answers <see cref="ScanPrefix"/> sparsely (plain hosts as /128s on its lo, the rest a
/// blackhole so dead addresses stay silent) and forwards to each peer, a namespace of its own on its
/// own veth holding one /128 of the same prefix. Everything lives in namespaces made here; the root
/// namespace never holds an interface, and <see cref="Dispose"/> deletes them all.
/// </summary>
internal sealed class DemoLab : IDisposable
{
    /// <summary>The prefix the demo scans.</summary>
    public static readonly Ipv6Prefix ScanPrefix = Ipv6Prefix.Parse("2001:db8:100::/112");

    /// <summary>The scanner's end of the link to the hub.</summary>
    public const string ScannerInterface = "wsdscan";

    /// <summary>The hub's end of the link to the scanner.</summary>
    public const string HubUplink = "wsdhub";

    /// <summary>Each peer's end of its link to the hub.</summary>
    public const string PeerInterface = "wsdpeer";

    /// <summary>The scanner's address, the source of every probe.</summary>
    public const string ScannerAddress = "2001:db8:1::1";

    /// <summary>The hub on the scanner's link: the scanner's next hop.</summary>
    public const string HubAddress = "2001:db8:1::2";

    /// <summary>The node id the demo's scan announces; the peers' ids differ in the last digits.</summary>
    public static readonly string ScannerNodeId = NodeIdOf(0);

    /// <summary>Most plain hosts one lab makes (each is one address on the hub's lo).</summary>
    public const int MaxHosts = 4096;

    /// <summary>Most peers one lab makes (each is a namespace, and in the demo a process).</summary>
    public const int MaxPeers = 16;

    private static readonly Ipv6Prefix Documentation = Ipv6Prefix.Parse("2001:db8::/32");
    private readonly List<string> _namespaces = [];
    private readonly List<string> _hosts = [];
    private readonly List<DemoPeer> _peers = [];
    private bool _disposed;

    private DemoLab(string stem)
    {
        Stem = stem;
        Scanner = stem + "-scan";
        Hub = stem + "-hub";
    }

    /// <summary>What every namespace of this lab starts with (<c>wsd-PID-N</c>).</summary>
    public string Stem { get; }

    /// <summary>The scanner's namespace.</summary>
    public string Scanner { get; }

    /// <summary>The hub's namespace, which also answers for the plain hosts.</summary>
    public string Hub { get; }

    /// <summary>Every namespace made so far, in the order made.</summary>
    public IReadOnlyList<string> Namespaces => _namespaces;

    /// <summary>The plain hosts' addresses (the hub's kernel answers them).</summary>
    public IReadOnlyList<string> Hosts => _hosts;

    /// <summary>The peers, each in its own namespace.</summary>
    public IReadOnlyList<DemoPeer> Peers => _peers;

    /// <summary>
    /// Builds a lab with <paramref name="hosts"/> plain hosts and <paramref name="peers"/> peers at
    /// addresses drawn from <paramref name="seed"/>, after removing the namespaces of dead runs. On
    /// any failure or cancellation whatever was made is deleted before the exception leaves.
    /// </summary>
    public static DemoLab Create(int hosts, int peers, int seed = 0x5744, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hosts);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hosts, MaxHosts);
        ArgumentOutOfRangeException.ThrowIfNegative(peers);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(peers, MaxPeers);
        if (!Environment.IsPrivilegedProcess)
            throw new InvalidOperationException("the demo lab needs root to create network namespaces");

        LabNames.RemoveStale();
        var lab = new DemoLab(LabNames.NewStem());
        try
        {
            var addresses = PickAddresses(hosts + peers, seed);
            lab.BuildCore(cancellationToken);
            lab.AddHosts(addresses.Take(hosts).ToList(), cancellationToken);
            for (var i = 0; i < peers; i++)
                lab.AddPeer(i + 1, addresses[hosts + i], cancellationToken);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>The command line that runs <paramref name="command"/> inside <paramref name="ns"/>.</summary>
    public static string[] InNamespace(string ns, IEnumerable<string> command) => ["netns", "exec", ns, .. command];

    /// <summary>
    /// One echo request from the scanner's namespace to <paramref name="address"/> (a lab address),
    /// waiting at most a second: whether it answered.
    /// </summary>
    public bool Ping(string address, CancellationToken cancellationToken = default)
    {
        CheckLabAddress(address);
        var result = LabCommands.Execute("ip", InNamespace(Scanner, ["ping", "-6", "-n", "-q", "-c", "1", "-W", "1", address]),
            cancellationToken, TimeSpan.FromSeconds(5));
        return result.ExitCode == 0;
    }

    /// <summary>Deletes every namespace of this lab (their veths go with them); never throws.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        // Peers first, the hub and scanner last, the reverse of the order made.
        for (var i = _namespaces.Count - 1; i >= 0; i--)
            LabCommands.TryRun("ip", ["netns", "del", _namespaces[i]]);
    }

    private void BuildCore(CancellationToken ct)
    {
        AddNamespace(Scanner, ct);
        AddNamespace(Hub, ct);
        // The hub routes between the scanner and the peers.
        Sysctl(Hub, ct, "net.ipv6.conf.all.forwarding=1");
        Link(Scanner, ScannerInterface, Mac(0, 1), Hub, HubUplink, Mac(0, 2), ct);
        Address(Scanner, ScannerInterface, ScannerAddress + "/64", ct);
        Address(Hub, HubUplink, HubAddress + "/64", ct);
        Up(Scanner, ScannerInterface, ct);
        Up(Hub, HubUplink, ct);
        Neighbour(Scanner, ScannerInterface, HubAddress, Mac(0, 2), ct);
        Neighbour(Hub, HubUplink, ScannerAddress, Mac(0, 1), ct);
        Ip(ct, "-n", Scanner, "-6", "route", "add", Documentation.ToString(), "via", HubAddress, "dev", ScannerInterface);
        // Dead addresses of the prefix are dropped without an ICMPv6 error; the hosts' /128s on lo and
        // the peers' /128 routes are more specific and win.
        Ip(ct, "-n", Hub, "-6", "route", "add", "blackhole", ScanPrefix.ToString());
    }

    private void AddHosts(IReadOnlyList<string> hosts, CancellationToken ct)
    {
        if (hosts.Count == 0)
            return;
        // One `ip -batch` for all: thousands of hosts in one process instead of one each.
        var batch = string.Concat(hosts.Select(h => $"addr add {h}/128 dev lo nodad\n"));
        LabCommands.Run("ip", ["-n", Hub, "-6", "-batch", "-"], ct, input: batch);
        _hosts.AddRange(hosts);
    }

    private void AddPeer(int number, string address, CancellationToken ct)
    {
        var ns = $"{Stem}-peer{number}";
        var hubInterface = $"wsdp{number}";
        var hubSide = $"2001:db8:2:{number:x}::1";
        var peerSide = $"2001:db8:2:{number:x}::2";
        AddNamespace(ns, ct);
        Link(Hub, hubInterface, Mac(number, 1), ns, PeerInterface, Mac(number, 2), ct);
        Address(Hub, hubInterface, hubSide + "/64", ct);
        Address(ns, PeerInterface, peerSide + "/64", ct);
        // The prefix address sits on the veth, where the peer's listener captures the probes to it.
        Address(ns, PeerInterface, address + "/128", ct);
        Up(Hub, hubInterface, ct);
        Up(ns, PeerInterface, ct);
        Neighbour(Hub, hubInterface, peerSide, Mac(number, 2), ct);
        Neighbour(ns, PeerInterface, hubSide, Mac(number, 1), ct);
        Ip(ct, "-n", Hub, "-6", "route", "add", address + "/128", "via", peerSide, "dev", hubInterface);
        Ip(ct, "-n", ns, "-6", "route", "add", "default", "via", hubSide, "dev", PeerInterface);
        _peers.Add(new DemoPeer(number, ns, address, hubInterface, 4000 + number, NodeIdOf(number)));
    }

    private void AddNamespace(string ns, CancellationToken ct)
    {
        // Recorded first: a cancellation kills `ip` at any point, possibly after it made the
        // namespace, and Dispose must still delete it (deleting one that was never made just fails).
        _namespaces.Add(ns);
        Ip(ct, "netns", "add", ns);
        Ip(ct, "-n", ns, "link", "set", "lo", "up");
        // No duplicate address detection, link-local included: a tentative address stalls neighbour
        // discovery for a second or two after the link comes up.
        Sysctl(ns, ct, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
    }

    // Made inside the first namespace with the peer end moved straight into the second, so the root
    // namespace never holds either end, even briefly.
    private static void Link(string ns, string name, string mac, string peerNs, string peerName, string peerMac, CancellationToken ct) =>
        Ip(ct, "-n", ns, "link", "add", name, "address", mac, "type", "veth", "peer", "name", peerName, "address", peerMac, "netns", peerNs);

    private static void Address(string ns, string dev, string address, CancellationToken ct) =>
        Ip(ct, "-n", ns, "-6", "addr", "add", CheckLabAddress(address), "dev", dev, "nodad");

    private static void Up(string ns, string dev, CancellationToken ct) => Ip(ct, "-n", ns, "link", "set", dev, "up");

    // Permanent: the first probes of a sweep must not wait in (and overflow) the queue of an
    // unresolved next hop.
    private static void Neighbour(string ns, string dev, string address, string mac, CancellationToken ct) =>
        Ip(ct, "-n", ns, "-6", "neigh", "replace", address, "lladdr", mac, "dev", dev, "nud", "permanent");

    private static void Sysctl(string ns, CancellationToken ct, params string[] settings) =>
        LabCommands.Run("ip", InNamespace(ns, ["sysctl", "-qw", .. settings]), ct);

    private static void Ip(CancellationToken ct, params string[] args) => LabCommands.Run("ip", args, ct);

    /// <summary>Locally administered (02:), "WS" in the middle; link number and end make it unique.</summary>
    private static string Mac(int link, int end) => $"02:57:53:d0:{link:x2}:{end:x2}";

    private static string NodeIdOf(int number) => (((UInt128)0xde40_5744 << 96) | (uint)number).ToString("x32", CultureInfo.InvariantCulture);

    /// <summary>Distinct, scattered offsets inside the prefix, never 0 (the subnet-router anycast address).</summary>
    private static List<string> PickAddresses(int count, int seed)
    {
        var random = new Random(seed);
        var offsets = new HashSet<UInt128>();
        var addresses = new List<string>(count);
        var span = (int)(ScanPrefix.Size - 1);
        while (addresses.Count < count)
        {
            var offset = (UInt128)random.Next(1, span + 1);
            if (offsets.Add(offset))
                addresses.Add(Ipv6Address.Format(ScanPrefix.Network | offset));
        }

        return addresses;
    }

    /// <summary>Refuses anything outside 2001:db8::/32; an interface address may carry its /length.</summary>
    private static string CheckLabAddress(string address)
    {
        var slash = address.IndexOf('/', StringComparison.Ordinal);
        if (!Documentation.Contains(Ipv6Address.Parse(slash < 0 ? address : address[..slash])))
            throw new ArgumentException($"{address} is outside {Documentation}; the lab sends nowhere else");
        return address;
    }
}
