using Widescan.Contracts;

namespace Widescan.Plugin.Targets;

/// <summary>
/// The target that routes, capture interfaces and source addresses are chosen by before the target
/// space is built: the first include prefix, or for <see cref="TargetSpec.TargetFiles"/> the first
/// address that the load keeps (outside the exclusions and, unless lifted, the blocklist: one that is
/// probed), read up to that line, not loaded, as a /128.
/// </summary>
internal static class TargetHint
{
    /// <summary>The first target prefix of the spec, or null when it has none (or its files hold no address that is probed, or cannot be read).</summary>
    public static Ipv6Prefix? First(TargetSpec? spec)
    {
        if (spec is null)
            return null;
        if (spec.Include is [var first, ..])
            return first;
        if (!spec.HasTargetFiles)
            return null;
        var keeps = TargetList.KeepsOf(spec);
        foreach (var path in spec.TargetFiles)
        {
            if (new TargetListFile(path).FirstAddress(keeps) is { } address)
                return new Ipv6Prefix(address, 128);
        }

        return null;
    }
}
