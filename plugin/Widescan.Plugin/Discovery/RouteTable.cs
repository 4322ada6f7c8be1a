using System.Globalization;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Which interface the kernel routes a destination through, read from the IPv6 routing table of the
/// calling thread's network namespace (/proc/thread-self/net/ipv6_route): the listener captures there
/// when the options name no interface.
/// </summary>
internal static class RouteTable
{
    private const string Path = "/proc/thread-self/net/ipv6_route";
    private const uint RejectFlag = 0x0200; // RTF_REJECT: unreachable, blackhole, prohibit

    /// <summary>The interface of the longest matching usable route, or null when none (or no /proc).</summary>
    public static string? InterfaceFor(UInt128 destination) => RouteFor(destination)?.Interface;

    /// <summary>The longest matching usable route (its interface and next hop, zero when on-link), or null.</summary>
    public static (string Interface, UInt128 NextHop)? RouteFor(UInt128 destination)
    {
        try
        {
            return RouteFor(destination, File.ReadLines(Path));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The distinct usable routes the addresses of <paramref name="prefix"/> take: its first address's
    /// longest match, then every more specific route inside it (an on-link /64 inside a scanned /32
    /// takes part of it elsewhere). Empty when the first address has no route (or no /proc).
    /// </summary>
    public static IReadOnlyList<(string Interface, UInt128 NextHop)> RoutesWithin(Ipv6Prefix prefix)
    {
        try
        {
            return RoutesWithin(prefix, File.ReadAllLines(Path));
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The same over given lines of ipv6_route (tests).</summary>
    public static IReadOnlyList<(string Interface, UInt128 NextHop)> RoutesWithin(Ipv6Prefix prefix, IReadOnlyCollection<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (RouteFor(prefix.Network, lines) is not { } first)
            return [];
        var routes = new List<(string Interface, UInt128 NextHop)> { first };
        foreach (var line in lines)
        {
            if (Parse(line) is { } route && route.Length > prefix.Length && prefix.Contains(route.Network) && !routes.Contains((route.Interface, route.NextHop)))
                routes.Add((route.Interface, route.NextHop));
        }

        return routes;
    }

    /// <summary>The interface lookup over given lines of ipv6_route (tests).</summary>
    public static string? InterfaceFor(UInt128 destination, IEnumerable<string> lines) => RouteFor(destination, lines)?.Interface;

    /// <summary>The route lookup over given lines of ipv6_route (tests).</summary>
    public static (string Interface, UInt128 NextHop)? RouteFor(UInt128 destination, IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        (string, UInt128)? best = null;
        var bestLength = -1;
        var bestMetric = uint.MaxValue;
        foreach (var line in lines)
        {
            if (Parse(line) is not var (network, length, metric, nextHop, name))
                continue;
            var mask = length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
            if ((destination & mask) != network)
                continue;
            if (length > bestLength || (length == bestLength && metric < bestMetric))
                (best, bestLength, bestMetric) = ((name, nextHop), length, metric);
        }

        return best;
    }

    /// <summary>One usable route of ipv6_route, or null for a malformed line, a reject route or a local one (on lo).</summary>
    private static (UInt128 Network, int Length, uint Metric, UInt128 NextHop, string Interface)? Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10
            || !UInt128.TryParse(fields[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var network)
            || !int.TryParse(fields[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var length)
            || !uint.TryParse(fields[5], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var metric)
            || !uint.TryParse(fields[8], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var flags)
            || !UInt128.TryParse(fields[4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var nextHop)
            || length is < 0 or > 128
            || (flags & RejectFlag) != 0 || fields[9] == "lo")
            return null;
        return (network, length, metric, nextHop, fields[9]);
    }
}
