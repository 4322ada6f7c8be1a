using System.Text.RegularExpressions;
using Widescan.Contracts;
using Widescan.Host.Lab;

namespace Widescan.Tests.Lab;

/// <summary>
/// An ISP in namespaces: a scanner ("s", 2001:db8:1::1) behind a router ("r") that routes a /44 of
/// customer /64s, each on its own link (a veth from the router to one peer namespace), one link a
/// bridge shared by two peers in the same /64, and a blackhole for every other /64 of the /44. The
/// peers have a base address (a random IID, as SLAAC privacy addresses are) and duplicate address
/// detection on, so listeners can claim rendezvous addresses as on a real link. Names are
/// "wsi-PID-N-..." and every namespace is deleted in <see cref="Dispose"/> (a crashed run's leftovers
/// by the next).
/// </summary>
internal sealed partial class IspLab : IDisposable
{
    public const string ScannerAddress = "2001:db8:1::1";
    public const string RouterAddress = "2001:db8:1::2";

    /// <summary>The router's end of the scanner's link: a capture there sees every probe.</summary>
    public const string RouterUplink = "wsr-up";

    private const string NamePrefix = "wsi-";
    private static int s_counter;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);
    private readonly List<string> _namespaces = [];
    private readonly string _stem;
    private bool _disposed;

    private IspLab(string stem, Ipv6Prefix customers)
    {
        _stem = stem;
        Customers = customers;
        Scanner = stem + "s";
        Router = stem + "r";
    }

    /// <summary>The /44 the router serves (inside 2001:db8::/32).</summary>
    public Ipv6Prefix Customers { get; }

    /// <summary>The scanner's namespace.</summary>
    public string Scanner { get; }

    /// <summary>The router's namespace.</summary>
    public string Router { get; }

    /// <summary>Every peer namespace made so far, with its /64 and its base address.</summary>
    public List<(string Namespace, Ipv6Prefix Link, UInt128 Address)> Peers { get; } = [];

    /// <summary>Makes the scanner, the router and their link; peers are added with <see cref="AddLink"/>.</summary>
    public static IspLab Create(Ipv6Prefix customers)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        if (!Ipv6Prefix.Parse("2001:db8::/32").Contains(customers))
            throw new ArgumentException($"{customers} is outside 2001:db8::/32");
        RemoveStale();
        var lab = new IspLab($"{NamePrefix}{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}-", customers);
        try
        {
            lab.Setup();
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private void Setup()
    {
        AddNamespace(Scanner, dad: false);
        AddNamespace(Router, dad: false);
        Run("ip", ["netns", "exec", Router, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"]);
        Ip("-n", Router, "link", "add", RouterUplink, "type", "veth", "peer", "name", "wss0", "netns", Scanner);
        Ip("-n", Router, "-6", "addr", "add", RouterAddress + "/64", "dev", RouterUplink, "nodad");
        Ip("-n", Scanner, "-6", "addr", "add", ScannerAddress + "/64", "dev", "wss0", "nodad");
        Ip("-n", Router, "link", "set", RouterUplink, "up");
        Ip("-n", Scanner, "link", "set", "wss0", "up");
        Ip("-n", Scanner, "-6", "route", "add", "2001:db8::/32", "via", RouterAddress, "dev", "wss0");

        // Every /64 of the /44 that no link holds stays silent, as the unused space of an ISP does.
        Ip("-n", Router, "-6", "route", "add", "blackhole", Customers.ToString());
    }

    /// <summary>
    /// A customer link for the <paramref name="index"/>-th /64 of the /44, with one peer namespace per
    /// name in <paramref name="peers"/> (two or more share a bridge, as hosts on one LAN do). Returns
    /// the link's /64.
    /// </summary>
    public Ipv6Prefix AddLink(ulong index, Random random, params string[] peers)
    {
        var link = new Ipv6Prefix(Customers.Network | ((UInt128)index << 64), 64);
        if (!Customers.Contains(link))
            throw new ArgumentOutOfRangeException(nameof(index), index, $"outside {Customers}");
        var n = Peers.Count;
        var routerSide = $"wsr{n}";
        string linkDevice;
        if (peers.Length == 1)
        {
            linkDevice = routerSide;
        }
        else
        {
            linkDevice = $"wsbr{n}";
            Ip("-n", Router, "link", "add", linkDevice, "type", "bridge");
            Ip("-n", Router, "link", "set", linkDevice, "up");
        }

        for (var i = 0; i < peers.Length; i++)
        {
            var ns = _stem + peers[i];
            AddNamespace(ns, dad: true);
            var routerEnd = peers.Length == 1 ? routerSide : $"wsr{n}p{i}";
            Ip("-n", Router, "link", "add", routerEnd, "type", "veth", "peer", "name", "eth0", "netns", ns);
            if (peers.Length > 1)
                Ip("-n", Router, "link", "set", routerEnd, "master", linkDevice);
            Ip("-n", Router, "link", "set", routerEnd, "up");
            if (i == 0)
                Ip("-n", Router, "-6", "addr", "add", Ipv6Address.Format(link.Network | 1) + "/64", "dev", linkDevice, "nodad");

            // A random base address, as a privacy address is: no pattern a sweep could guess.
            var iid = (UInt128)(ulong)random.NextInt64(1L << 40, long.MaxValue) | ((UInt128)1 << 62);
            var address = link.Network | iid;
            Ip("-n", ns, "-6", "addr", "add", Ipv6Address.Format(address) + "/64", "dev", "eth0", "nodad");
            Ip("-n", ns, "link", "set", "eth0", "up");
            Ip("-n", ns, "-6", "route", "add", "default", "via", Ipv6Address.Format(link.Network | 1), "dev", "eth0");
            Peers.Add((ns, link, address));
        }

        return link;
    }

    /// <summary>The namespace of a peer by its short name.</summary>
    public string PeerNamespace(string name) => _stem + name;

    /// <summary>Runs a command in a namespace and returns its output.</summary>
    public string Exec(string ns, params string[] command) => Run("ip", ["netns", "exec", ns, .. command]);

    private void AddNamespace(string ns, bool dad)
    {
        Ip("netns", "add", ns);
        _namespaces.Add(ns);
        Ip("-n", ns, "link", "set", "lo", "up");
        // Peers run duplicate address detection as real hosts do (a rendezvous claim relies on it),
        // but not on their link-local address, whose tentative second would stall the first probes.
        Run("ip", ["netns", "exec", ns, "sysctl", "-qw",
            $"net.ipv6.conf.all.accept_dad={(dad ? 1 : 0)}", $"net.ipv6.conf.default.accept_dad={(dad ? 1 : 0)}"]);
    }

    /// <summary>Deletes this scheme's namespaces whose process has gone.</summary>
    private static void RemoveStale()
    {
        foreach (var line in Run("ip", ["netns", "list"]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = StaleName().Match(line);
            if (match.Success && int.Parse(match.Groups[1].Value) is var pid && !Directory.Exists($"/proc/{pid}"))
                LabCommands.TryRun("ip", ["netns", "del", match.Groups[0].Value]);
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var ns in Enumerable.Reverse(_namespaces))
            LabCommands.TryRun("ip", ["netns", "del", ns]);
    }

    private static void Ip(params string[] args) => Run("ip", args);

    private static string Run(string file, string[] args) => LabCommands.Run(file, args, CancellationToken.None, CommandTimeout);

    [GeneratedRegex(@"^wsi-(\d+)-\d+-\S+")]
    private static partial Regex StaleName();
}
