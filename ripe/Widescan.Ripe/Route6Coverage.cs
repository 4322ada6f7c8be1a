using Widescan.Contracts;

namespace Widescan.Ripe;

/// <summary>
/// The address space announced by route6 objects, as sorted, disjoint prefixes: a route6 inside
/// another one adds nothing and is dropped. Answers "which part of this inet6num is announced" with a
/// binary search, so an import streams inet6num objects against it in O(log routes) each.
/// </summary>
public sealed class Route6Coverage
{
    private readonly Ipv6Prefix[] routes;
    private readonly UInt128[] networks;

    private Route6Coverage(Ipv6Prefix[] routes)
    {
        this.routes = routes;
        networks = Array.ConvertAll(routes, r => r.Network);
    }

    /// <summary>The number of disjoint prefixes left after merging.</summary>
    public int Count => routes.Length;

    /// <summary>Sorts and merges the route6 prefixes.</summary>
    public static Route6Coverage Build(IEnumerable<Ipv6Prefix> prefixes)
    {
        var sorted = prefixes.Distinct().Order().ToList();
        var merged = new List<Ipv6Prefix>(sorted.Count);
        foreach (var prefix in sorted)
        {
            // Sorted by network then length, a containing prefix always comes before what it contains.
            if (merged.Count > 0 && merged[^1].Contains(prefix))
                continue;
            merged.Add(prefix);
        }

        return new Route6Coverage([.. merged]);
    }

    /// <summary>
    /// Adds to <paramref name="announced"/> the announced part of <paramref name="prefix"/>: the prefix
    /// itself when one route covers it all, else every route that lies inside it (none when unannounced).
    /// </summary>
    public void AnnouncedParts(Ipv6Prefix prefix, List<Ipv6Prefix> announced)
    {
        var i = Array.BinarySearch(networks, prefix.Network);
        if (i < 0)
            i = ~i;

        // The route just before (or at) the prefix's network is the only one that can contain it.
        var before = i < networks.Length && networks[i] == prefix.Network ? i : i - 1;
        if (before >= 0 && routes[before].Contains(prefix))
        {
            announced.Add(prefix);
            return;
        }

        // A route that starts inside the prefix and does not contain it is longer, so lies inside it.
        for (var j = i; j < routes.Length && networks[j] <= prefix.LastAddress; j++)
            announced.Add(routes[j]);
    }
}
