using System.Globalization;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The global IPv6 addresses of the calling thread's network namespace, from
/// /proc/thread-self/net/if_inet6: the responder opens one socket bound to each up front, on the
/// thread that is in the namespace, because libpcap's capture callbacks run on a thread that is not.
/// </summary>
internal static class LocalAddresses
{
    private const string Path = "/proc/thread-self/net/if_inet6";

    /// <summary>Global-scope addresses, of one interface when <paramref name="interfaceName"/> is given; empty when /proc cannot tell.</summary>
    public static IReadOnlyList<UInt128> Global(string? interfaceName)
    {
        try
        {
            return Parse(File.ReadLines(Path), interfaceName);
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

    /// <summary>The same over given lines of if_inet6 (tests): "address ifindex prefixlen scope flags name".</summary>
    public static IReadOnlyList<UInt128> Parse(IEnumerable<string> lines, string? interfaceName)
    {
        var addresses = new List<UInt128>();
        foreach (var line in lines)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || fields[3] != "00" || (interfaceName is not null && fields[5] != interfaceName)
                || !UInt128.TryParse(fields[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address))
                continue;
            addresses.Add(address);
        }

        return addresses;
    }
}
