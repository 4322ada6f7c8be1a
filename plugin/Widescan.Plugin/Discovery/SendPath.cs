using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Which send path a scan's targets allow, decided from the routes alone (no I/O here): the layer-2
/// path when every include prefix routes through one gateway on one interface, none on-link; otherwise
/// the raw socket, with the reason. Frames carry one destination MAC, so a second gateway would get
/// frames it was never meant to route, and an on-link prefix has no gateway at all.
/// </summary>
internal static class SendPath
{
    /// <summary>Decides the path for <paramref name="includes"/>, looking each prefix's routes up with <paramref name="routesWithin"/>.</summary>
    /// <param name="includes">The include prefixes of the targets.</param>
    /// <param name="interfaceName">The interface the options name, or null for the routes' own.</param>
    /// <param name="routesWithin">The distinct usable routes a prefix's addresses take (interface, next hop: zero when on-link); empty when none.</param>
    public static SendPathChoice Choose(IReadOnlyList<Ipv6Prefix> includes, string? interfaceName, Func<Ipv6Prefix, IReadOnlyList<(string Interface, UInt128 NextHop)>> routesWithin)
    {
        ArgumentNullException.ThrowIfNull(includes);
        ArgumentNullException.ThrowIfNull(routesWithin);
        if (includes.Count == 0)
            return new SendPathChoice.Raw("the targets include no prefix");

        var routes = includes.Select(p => (Prefix: p, Routes: routesWithin(p))).ToList();
        var unrouted = routes.Where(r => r.Routes.Count == 0).Select(r => r.Prefix.ToString()).ToList();
        if (unrouted.Count > 0)
            return new SendPathChoice.Raw($"no route to {string.Join(", ", unrouted)}");
        var onLink = routes.Where(r => r.Routes.Any(route => route.NextHop == UInt128.Zero))
            .Select(r => $"{(r.Routes[0].NextHop == UInt128.Zero ? "" : "part of ")}{r.Prefix} is on-link on {r.Routes.First(route => route.NextHop == UInt128.Zero).Interface}").ToList();
        if (onLink.Count > 0)
            return new SendPathChoice.Raw($"{string.Join(", ", onLink)} (no gateway)");

        var (firstInterface, gateway) = routes[0].Routes[0];
        if (routes.Any(r => r.Routes.Any(route => route.NextHop != gateway || route.Interface != firstInterface)))
        {
            var each = string.Join("; ", routes.SelectMany(r => r.Routes.Select(route => $"{r.Prefix} via {Ipv6Address.Format(route.NextHop)} on {route.Interface}")));
            return new SendPathChoice.Raw($"the include prefixes do not share one gateway on one interface ({each})");
        }

        return new SendPathChoice.Layer2(interfaceName ?? firstInterface, gateway);
    }
}

/// <summary>The outcome of <see cref="SendPath.Choose"/>.</summary>
internal abstract record SendPathChoice
{
    private SendPathChoice()
    {
    }

    /// <summary>Every prefix goes through <paramref name="Gateway"/> on <paramref name="Interface"/>: frames can be addressed to its MAC.</summary>
    internal sealed record Layer2(string Interface, UInt128 Gateway) : SendPathChoice;

    /// <summary>The kernel must route: <paramref name="Reason"/> says why the layer-2 path cannot serve.</summary>
    internal sealed record Raw(string Reason) : SendPathChoice;
}
