using System.Text.RegularExpressions;
using Widescan.Contracts;
using Widescan.Host.Lab;
using Widescan.Plugin.Transport;

namespace Widescan.Tests.Lab;

/// <summary>
/// Two network namespaces joined by a veth pair: a scanner ("a", interface wsa0, 2001:db8:1::1/64)
/// and a target ("b", interface wsb0, 2001:db8:1::2/64) that the scanner reaches for all of
/// 2001:db8::/32. Names are "wsl-PID-N[ab]" so a crashed run's leftovers are recognisable; the
/// namespaces (and the veth with them) are deleted in <see cref="Dispose"/>.
/// </summary>
internal sealed partial class NetnsLab : IDisposable
{
    public const string ScannerInterface = "wsa0";
    public const string TargetInterface = "wsb0";
    public const string ScannerAddress = "2001:db8:1::1";
    public const string TargetAddress = "2001:db8:1::2";

    /// <summary>The link between the two; on-link from the scanner's side.</summary>
    public const string LinkPrefix = "2001:db8:1::/64";

    /// <summary>Locally administered MACs, fixed so the neighbour entries can be written in advance.</summary>
    public const string ScannerMac = "02:57:53:00:00:0a";
    public const string TargetMac = "02:57:53:00:00:0b";

    private const string Prefix = "wsl-";
    private static int s_counter;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);
    private readonly List<string> _members = [];
    private bool _disposed;

    /// <summary>The bridge in the target's namespace that <see cref="AddBridgedMember"/> attaches members to, on 2001:db8:2::/64.</summary>
    public const string BridgeInterface = "wsbr0";

    /// <summary>The link every bridged member shares.</summary>
    public const string BridgedPrefix = "2001:db8:2::/64";

    /// <summary>A bridged member's interface (each member is its own namespace).</summary>
    public const string MemberInterface = "wsm0";

    private NetnsLab(string scanner, string target)
    {
        Scanner = scanner;
        Target = target;
    }

    /// <summary>Whether this process may create namespaces (root).</summary>
    public static bool IsRoot => Environment.IsPrivilegedProcess;

    /// <summary>Name of the scanner's namespace.</summary>
    public string Scanner { get; }

    /// <summary>Name of the target's namespace.</summary>
    public string Target { get; }

    /// <summary>Makes both namespaces, the veth and the routes. Tests call <c>Assume.That(NetnsLab.IsRoot, ...)</c> first.</summary>
    public static NetnsLab Create()
    {
        if (!IsRoot)
            throw new InvalidOperationException("the lab needs root to create network namespaces");
        RemoveStale();
        var n = Interlocked.Increment(ref s_counter);
        var lab = new NetnsLab($"{Prefix}{Environment.ProcessId}-{n}a", $"{Prefix}{Environment.ProcessId}-{n}b");
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
        Ip("netns", "add", Scanner);
        Ip("netns", "add", Target);
        foreach (var ns in new[] { Scanner, Target })
        {
            // No duplicate address detection at all, link-local included: a tentative link-local
            // address leaves neighbour discovery stalled for a second or two after the link comes up.
            Run("ip", ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"]);
        }

        // Created inside the scanner's namespace with its peer moved straight into the target's, so
        // the root namespace never holds either end, even briefly.
        Ip("-n", Scanner, "link", "add", ScannerInterface, "address", ScannerMac, "type", "veth",
            "peer", "name", TargetInterface, "address", TargetMac, "netns", Target);
        foreach (var (ns, dev, address) in new[] { (Scanner, ScannerInterface, ScannerAddress), (Target, TargetInterface, TargetAddress) })
        {
            Ip("-n", ns, "link", "set", "lo", "up");
            Ip("-n", ns, "-6", "addr", "add", address + "/64", "dev", dev, "nodad");
            Ip("-n", ns, "link", "set", dev, "up");
        }

        // Permanent neighbours: the first probes of a sweep must not wait in (and overflow) the queue
        // of an unresolved next hop.
        Ip("-n", Scanner, "-6", "neigh", "replace", TargetAddress, "lladdr", TargetMac, "dev", ScannerInterface, "nud", "permanent");
        Ip("-n", Target, "-6", "neigh", "replace", ScannerAddress, "lladdr", ScannerMac, "dev", TargetInterface, "nud", "permanent");
        Ip("-n", Scanner, "-6", "route", "add", "2001:db8::/32", "via", TargetAddress, "dev", ScannerInterface);
    }

    /// <summary>A lab whose target answers every address of <paramref name="prefix"/>; the test is skipped, saying why, without root.</summary>
    public static NetnsLab Dense(string prefix)
    {
        Assume.That(IsRoot, "needs root to create network namespaces");
        var lab = Create();
        try
        {
            lab.AnswerPrefix(prefix);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>The target's kernel answers every address of <paramref name="prefix"/>.</summary>
    public void AnswerPrefix(string prefix) =>
        Ip("-n", Target, "-6", "route", "add", "local", CheckLabPrefix(prefix), "dev", "lo");

    /// <summary>
    /// Only <paramref name="hosts"/> of <paramref name="prefix"/> answer; the rest is a blackhole, so
    /// dead addresses stay silent (no unreachable errors).
    /// </summary>
    public void AnswerSparse(string prefix, IEnumerable<string> hosts)
    {
        Ip("-n", Target, "-6", "route", "add", "blackhole", CheckLabPrefix(prefix));
        foreach (var host in hosts)
            Ip("-n", Target, "-6", "addr", "add", CheckLabPrefix(host + "/128"), "dev", "lo", "nodad");
    }

    /// <summary>
    /// The target, acting as the router in front of <paramref name="prefix"/>, rejects it with a route
    /// of <paramref name="kind"/>: <c>unreachable</c> answers Destination Unreachable code 0 (no route),
    /// <c>prohibit</c> code 1 (administratively prohibited), <c>blackhole</c> nothing. The most
    /// specific route wins, so a blackholed prefix can hold rejecting parts.
    /// </summary>
    public void RejectRoute(string kind, string prefix)
    {
        if (kind is not ("unreachable" or "prohibit" or "blackhole"))
            throw new ArgumentException($"'{kind}' is not a rejecting route type: unreachable, prohibit or blackhole", nameof(kind));
        Ip("-n", Target, "-6", "route", "add", kind, CheckLabPrefix(prefix));
    }

    /// <summary>
    /// Lifts the target's limits on the ICMPv6 errors it sends, for tests that count them: the kernel
    /// limits them per destination (net.ipv6.icmp.ratelimit) and, for the types in
    /// net.ipv6.icmp.ratemask, globally (net.ipv4.icmp_msgs_per_sec 1000, burst 50): 4,096 probes into
    /// an unreachable route gave 134 errors with the defaults.
    /// </summary>
    public void LiftIcmpErrorLimits() =>
        Run("ip", ["netns", "exec", Target, "sysctl", "-qw", "net.ipv6.icmp.ratelimit=0", "net.ipv6.icmp.ratemask=0"]);

    /// <summary>Adds <paramref name="address"/> (a /128) to the target's side of the veth, as a second source of its own.</summary>
    public void AddTargetAddress(string address) =>
        Ip("-n", Target, "-6", "addr", "add", CheckLabPrefix(address + "/128"), "dev", TargetInterface, "nodad");

    /// <summary>Adds a veth pair to the scanner's namespace and leaves it down: an interface libpcap refuses ("not up").</summary>
    public void AddDownInterface(string name) =>
        Ip("-n", Scanner, "link", "add", name, "type", "veth", "peer", "name", name + "p");

    /// <summary>The target drops <paramref name="percent"/>% of incoming echo requests at random (nftables).</summary>
    public void DropEchoRequests(int percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        EnsureTool("nft", "nftables");
        // One command line of three commands: nft reads a whole table block only from a file.
        var rules =
            "add table inet wsl; add chain inet wsl input { type filter hook input priority 0; policy accept; }; " +
            $"add rule inet wsl input icmpv6 type echo-request numgen random mod 100 < {percent} drop";
        Run("ip", ["netns", "exec", Target, "nft", rules]);
    }

    /// <summary>
    /// The target refuses every other incoming echo request (nftables: a counter across all of them,
    /// not per address) with Destination Unreachable code 1 from its own stack, as a host firewall's
    /// REJECT does, and lets the kernel answer the rest.
    /// </summary>
    public void RejectEveryOtherEchoRequest()
    {
        EnsureTool("nft", "nftables");
        var rules =
            "add table inet wsl; add chain inet wsl input { type filter hook input priority 0; policy accept; }; " +
            "add rule inet wsl input icmpv6 type echo-request numgen inc mod 2 < 1 reject with icmpv6 type admin-prohibited";
        Run("ip", ["netns", "exec", Target, "nft", rules]);
    }

    /// <summary>
    /// The target drops <paramref name="percent"/>% of incoming echo requests and, independently,
    /// <paramref name="percent"/>% of its outgoing echo replies (nftables): loss each way.
    /// </summary>
    public void DropEchoBothWays(int percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        EnsureTool("nft", "nftables");
        var rules =
            "add table inet wsl; add chain inet wsl input { type filter hook input priority 0; policy accept; }; " +
            "add chain inet wsl output { type filter hook output priority 0; policy accept; }; " +
            $"add rule inet wsl input icmpv6 type echo-request numgen random mod 100 < {percent} drop; " +
            $"add rule inet wsl output icmpv6 type echo-reply numgen random mod 100 < {percent} drop";
        Run("ip", ["netns", "exec", Target, "nft", rules]);
    }

    /// <summary>
    /// Turns duplicate address detection on for <paramref name="device"/> in namespace
    /// <paramref name="ns"/> (the lab turns it off everywhere: its fixed addresses never collide).
    /// </summary>
    public static void EnableDad(string ns, string device) =>
        Run("ip", ["netns", "exec", ns, "sysctl", "-qw", $"net.ipv6.conf.{device}.accept_dad=1"]);

    /// <summary>
    /// A new namespace on one shared link with every other member: a veth from it to the bridge
    /// <see cref="BridgeInterface"/> in the target's namespace (made with the first member), address
    /// 2001:db8:2::N/64, DAD on (so members see each other's claims), the target as its router.
    /// Deleted with the lab. Returns the member's namespace.
    /// </summary>
    public string AddBridgedMember(int number)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(number);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, 99);
        if (_members.Count == 0)
        {
            Ip("-n", Target, "link", "add", BridgeInterface, "type", "bridge");
            Ip("-n", Target, "-6", "addr", "add", "2001:db8:2::ffff/64", "dev", BridgeInterface, "nodad");
            Ip("-n", Target, "link", "set", BridgeInterface, "up");
            Run("ip", ["netns", "exec", Target, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"]);
        }

        var ns = Target[..^1] + "m" + number;
        Ip("netns", "add", ns);
        _members.Add(ns);
        Run("ip", ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"]);
        var hub = $"wsh{number}";
        Ip("-n", ns, "link", "add", MemberInterface, "type", "veth", "peer", "name", hub, "netns", Target);
        EnableDad(ns, MemberInterface);
        Ip("-n", ns, "link", "set", "lo", "up");
        Ip("-n", ns, "-6", "addr", "add", CheckLabPrefix($"2001:db8:2::{number}/128")[..^4] + "/64", "dev", MemberInterface, "nodad");
        Ip("-n", ns, "link", "set", MemberInterface, "up");
        Ip("-n", ns, "-6", "route", "add", "2001:db8::/32", "via", "2001:db8:2::ffff", "dev", MemberInterface);
        Ip("-n", Target, "link", "set", hub, "master", BridgeInterface);
        Ip("-n", Target, "link", "set", hub, "up");
        return ns;
    }

    /// <summary>The IPv6 addresses of <paramref name="device"/> in <paramref name="ns"/> as `ip -6 addr show` prints them.</summary>
    public static string Addresses(string ns, string device) => Run("ip", ["-n", ns, "-6", "addr", "show", "dev", device]);

    /// <summary>Runs <paramref name="action"/> on a thread inside the scanner's namespace.</summary>
    public T InScanner<T>(Func<T> action) => NetworkNamespace.Run(Scanner, action);

    /// <summary>Runs <paramref name="action"/> on a thread inside the target's namespace.</summary>
    public T InTarget<T>(Func<T> action) => NetworkNamespace.Run(Target, action);

    /// <summary>Output of a command run inside the scanner's namespace (for diagnostics).</summary>
    public string ExecInScanner(params string[] command) => Run("ip", ["netns", "exec", Scanner, .. command]);

    /// <summary>
    /// Fails the test unless a socket lives in this lab's scanner namespace: never the namespace of
    /// PID 1, so nothing a test sends can leave the lab.
    /// </summary>
    public void AssertInScanner(ulong socketNamespaceInode)
    {
        var root = NetworkNamespace.InitialInode();
        var scanner = InScanner(NetworkNamespace.CurrentThreadInode);
        Assert.That(socketNamespaceInode, Is.Not.Zero, "the socket's namespace is unknown");
        Assert.That(socketNamespaceInode, Is.Not.EqualTo(root), "the socket is in the root namespace");
        Assert.That(socketNamespaceInode, Is.EqualTo(scanner), "the socket is not in the lab's scanner namespace");
    }

    /// <summary>Fails unless every destination is in 2001:db8::/32 (documentation prefix, RFC 3849).</summary>
    public static void AssertLabDestinations(ReadOnlySpan<UInt128> destinations)
    {
        var documentation = Ipv6Prefix.Parse("2001:db8::/32");
        foreach (var destination in destinations)
        {
            if (!documentation.Contains(destination))
                Assert.Fail($"{Ipv6Address.Format(destination)} is outside 2001:db8::/32; the lab sends nowhere else");
        }
    }

    /// <summary>Deletes namespaces named by this scheme whose process has gone (a crashed run).</summary>
    public static void RemoveStale()
    {
        foreach (var line in Run("ip", ["netns", "list"]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = LabName().Match(line);
            if (match.Success && int.Parse(match.Groups[1].Value) is var pid && !Directory.Exists($"/proc/{pid}"))
                TryRun("ip", ["netns", "del", match.Value]);
        }
    }

    /// <summary>Installs <paramref name="package"/> with apt-get when <paramref name="tool"/> is missing (root only).</summary>
    public static void EnsureTool(string tool, string package)
    {
        if (TryRun("sh", ["-c", $"command -v {tool}"]))
            return;
        if (!IsRoot)
            Assert.Fail($"{tool} is missing and only root can install it: apt-get install -y {package}");
        Run("apt-get", ["install", "-y", "--no-install-recommends", package], TimeSpan.FromMinutes(3));
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        // Deleting a namespace deletes its veth end, and with it the peer.
        foreach (var member in _members)
            TryRun("ip", ["netns", "del", member]);
        TryRun("ip", ["netns", "del", Scanner]);
        TryRun("ip", ["netns", "del", Target]);
    }

    private static string CheckLabPrefix(string prefix)
    {
        var parsed = Ipv6Prefix.Parse(prefix);
        if (!Ipv6Prefix.Parse("2001:db8::/32").Contains(parsed))
            throw new ArgumentException($"{prefix} is outside 2001:db8::/32");
        return prefix;
    }

    private static void Ip(params string[] args) => Run("ip", args);

    // The demo's runner: timeouts, killing on timeout, stderr in the error.
    private static bool TryRun(string file, string[] args) => LabCommands.TryRun(file, args);

    private static string Run(string file, string[] args, TimeSpan? timeout = null) =>
        LabCommands.Run(file, args, CancellationToken.None, timeout ?? CommandTimeout);

    [GeneratedRegex(@"^wsl-(\d+)-\d+(?:[ab]|m\d+)\b")]
    private static partial Regex LabName();
}
