namespace Widescan.Contracts;

/// <summary>A prefix on the default blocklist, with why it is there.</summary>
/// <param name="Prefix">The reserved range.</param>
/// <param name="Name">The registry's name for it.</param>
/// <param name="Reference">The RFC that reserves it.</param>
public sealed record ReservedPrefix(Ipv6Prefix Prefix, string Name, string Reference)
{
    /// <summary>"prefix (name, reference)", as shown in warnings.</summary>
    public override string ToString() => $"{Prefix} ({Name}, {Reference})";
}

/// <summary>
/// The default blocklist: the IANA IPv6 Special-Purpose Address Registry, multicast and the other ranges
/// no scan of the Internet should touch. A scan subtracts them from its targets unless the user lifts
/// the list explicitly (<see cref="TargetSpec.AllowReserved"/>, <c>--allow-reserved</c>).
/// </summary>
/// <remarks>
/// 2001:db8::/32 (documentation) is on the list: Widescan's own test lab lives there, so the tests
/// lift the blocklist on purpose rather than the list carrying an exception.
/// </remarks>
public static class ReservedPrefixes
{
    /// <summary>Every reserved range, in address order of the registry.</summary>
    public static IReadOnlyList<ReservedPrefix> Default { get; } =
    [
        Entry("::/128", "Unspecified Address", "RFC 4291"),
        Entry("::1/128", "Loopback Address", "RFC 4291"),
        Entry("::/96", "IPv4-compatible (deprecated)", "RFC 4291"),
        Entry("::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291"),
        Entry("64:ff9b::/96", "IPv4-IPv6 Translation", "RFC 6052"),
        Entry("64:ff9b:1::/48", "Local-use IPv4/IPv6 Translation", "RFC 8215"),
        Entry("100::/64", "Discard-Only Address Block", "RFC 6666"),
        Entry("100:0:0:1::/64", "Dummy IPv6 Prefix", "RFC 9780"),
        Entry("2001::/23", "IETF Protocol Assignments", "RFC 2928"),
        Entry("2001::/32", "TEREDO", "RFC 4380"),
        Entry("2001:2::/48", "Benchmarking", "RFC 5180"),
        Entry("2001:10::/28", "ORCHID (deprecated)", "RFC 4843"),
        Entry("2001:20::/28", "ORCHIDv2", "RFC 7343"),
        Entry("2001:db8::/32", "Documentation", "RFC 3849"),
        Entry("2002::/16", "6to4", "RFC 3056"),
        Entry("2620:4f:8000::/48", "Direct Delegation AS112 Service", "RFC 7534"),
        Entry("3fff::/20", "Documentation", "RFC 9637"),
        Entry("5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602"),
        Entry("fc00::/7", "Unique-Local", "RFC 4193"),
        Entry("fe80::/10", "Link-Local Unicast", "RFC 4291"),
        Entry("fec0::/10", "Site-Local (deprecated)", "RFC 3879"),
        Entry("ff00::/8", "Multicast", "RFC 4291"),
    ];

    /// <summary>The first reserved range holding the address, or null when it is not reserved.</summary>
    public static ReservedPrefix? Find(UInt128 address)
    {
        foreach (var entry in Default)
        {
            if (entry.Prefix.Contains(address))
                return entry;
        }

        return null;
    }

    /// <summary>The first reserved range overlapping the prefix, or null when none does.</summary>
    public static ReservedPrefix? FindOverlap(Ipv6Prefix prefix)
    {
        foreach (var entry in Default)
        {
            if (entry.Prefix.Overlaps(prefix))
                return entry;
        }

        return null;
    }

    private static ReservedPrefix Entry(string prefix, string name, string reference) =>
        new(Ipv6Prefix.Parse(prefix), name, reference);
}
