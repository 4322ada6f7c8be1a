using System.Globalization;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>One /64 to claim in: the interface that holds it and an address of ours there (the source of our Neighbor Solicitations).</summary>
internal readonly record struct RendezvousLink(string Interface, int Index, ulong PrefixHi, UInt128 OwnAddress);

/// <summary>
/// Which /64s the listener claims rendezvous addresses in, and on which interface: from the global
/// addresses of the namespace (/proc/thread-self/net/if_inet6, read on the namespace's thread).
/// Every /64 of a global address on the interface (on every interface but loopback, where no DAD
/// runs and nothing arrives from a link, when none is named), or the prefixes the options give,
/// each on the interface holding an address in it.
/// </summary>
internal static class RendezvousLinks
{
    private const string Path = "/proc/thread-self/net/if_inet6";
    private const int FlagTentative = 0x40;
    private const int FlagDadFailed = 0x08;

    /// <summary>The links, and a sentence for each given prefix that no interface holds.</summary>
    public static (List<RendezvousLink> Links, List<string> Unheld) Find(string? interfaceName, IReadOnlyList<Ipv6Prefix> prefixes)
    {
        IEnumerable<string> lines;
        try
        {
            lines = File.ReadAllLines(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lines = [];
        }

        return Parse(lines, interfaceName, prefixes);
    }

    /// <summary>The same over given if_inet6 lines ("address ifindex prefixlen scope flags name"; tests).</summary>
    public static (List<RendezvousLink> Links, List<string> Unheld) Parse(IEnumerable<string> lines, string? interfaceName, IReadOnlyList<Ipv6Prefix> prefixes)
    {
        var links = new List<RendezvousLink>();
        foreach (var line in lines)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || fields[3] != "00"
                || !UInt128.TryParse(fields[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address)
                || !int.TryParse(fields[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var index)
                || !int.TryParse(fields[4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var flags))
                continue;
            var name = fields[5];
            if ((interfaceName is not null && name != interfaceName) || (interfaceName is null && name == "lo")
                || (flags & (FlagTentative | FlagDadFailed)) != 0)
                continue;
            var hi = (ulong)(address >> 64);
            if (prefixes.Count > 0 && !prefixes.Any(p => p.Contains(address)))
                continue;
            if (!links.Any(l => l.Index == index && l.PrefixHi == hi))
                links.Add(new RendezvousLink(name, index, hi, address));
        }

        var unheld = prefixes
            .Where(p => !links.Any(l => p.Contains((UInt128)l.PrefixHi << 64)))
            .Select(p => $"no interface{(interfaceName is null ? "" : " named " + interfaceName)} holds an address in Rendezvous.Prefixes {p}, so no rendezvous address is claimed there (the /64 must be on one of this node's links)")
            .ToList();
        return (links, unheld);
    }
}
