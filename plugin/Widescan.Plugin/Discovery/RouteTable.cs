using System.Globalization;

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
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10
                || !UInt128.TryParse(fields[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var network)
                || !int.TryParse(fields[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var length)
                || !uint.TryParse(fields[5], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var metric)
                || !uint.TryParse(fields[8], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var flags)
                || !UInt128.TryParse(fields[4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var nextHop)
                || length is < 0 or > 128)
                continue;
            if ((flags & RejectFlag) != 0 || fields[9] == "lo")
                continue;
            var mask = length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
            if ((destination & mask) != network)
                continue;
            if (length > bestLength || (length == bestLength && metric < bestMetric))
                (best, bestLength, bestMetric) = ((fields[9], nextHop), length, metric);
        }

        return best;
    }
}
