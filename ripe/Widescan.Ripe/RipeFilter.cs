using System.Diagnostics;
using System.Text.RegularExpressions;
using Widescan.Contracts;

namespace Widescan.Ripe;

/// <summary>
/// <see cref="RipeFilterOptions"/> compiled for matching: the lists as case-insensitive sets (looked up
/// by span, so matching allocates nothing), the patterns as linear-time regular expressions, the
/// origins as numbers. Built from options that <see cref="RipeFilterOptions.Validate"/> accepted.
/// </summary>
internal sealed class RipeFilter
{
    private readonly HashSet<string> countries = NewSet();
    private readonly HashSet<string> orgs = NewSet();
    private readonly HashSet<string> maintainers = NewSet();
    private readonly HashSet<string> statuses = NewSet();
    private readonly HashSet<uint> origins = [];
    private readonly Regex? netname;
    private readonly Regex? descr;
    private readonly int? minLength;
    private readonly int? maxLength;

    /// <summary>Compiles <paramref name="options"/>.</summary>
    /// <exception cref="RipeOptionsException">The options are not usable (every problem listed).</exception>
    public RipeFilter(RipeFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The route6 requirement is the import's to check: it knows its inputs.
        var errors = options.Validate(hasRoute6: true);
        if (errors.Count > 0)
            throw new RipeOptionsException(errors);

        AddAll(countries, options.Countries);
        AddAll(orgs, options.Orgs);
        AddAll(maintainers, options.MntBy);
        AddAll(statuses, options.Statuses);
        foreach (var origin in options.Origins ?? [])
            origins.Add(AsNumber.TryParse(origin, out var asn) ? asn : throw new UnreachableException());
        netname = options.NetnamePattern is { } n ? RipeFilterOptions.CreatePattern(n) : null;
        descr = options.DescrPattern is { } d ? RipeFilterOptions.CreatePattern(d) : null;
        minLength = options.MinLength;
        maxLength = options.MaxLength;
        NeedsAnnouncement = options.NeedsAnnouncement;
    }

    /// <summary>Whether inet6num objects must be covered by a (matching) route6 object.</summary>
    public bool NeedsAnnouncement { get; }

    /// <summary>Whether a route6 object of this origin passes the origin filter.</summary>
    public bool AcceptsOrigin(uint origin) => origins.Count == 0 || origins.Contains(origin);

    /// <summary>Whether the object passes every attribute filter (announcement is checked by the import).</summary>
    public bool Matches(RpslObject obj, Ipv6Prefix prefix, bool isRoute6, uint origin)
    {
        if (prefix.Length < minLength || prefix.Length > maxLength)
            return false;
        if (isRoute6 && !AcceptsOrigin(origin))
            return false;
        if (countries.Count > 0 && !AnyValueIn(obj, "country", countries))
            return false;
        if (orgs.Count > 0 && !AnyValueIn(obj, "org", orgs))
            return false;
        if (maintainers.Count > 0 && !AnyValueIn(obj, "mnt-by", maintainers))
            return false;
        if (statuses.Count > 0 && !AnyValueIn(obj, "status", statuses))
            return false;
        if (netname is not null && !AnyValueMatches(obj, "netname", netname))
            return false;
        return descr is null || AnyValueMatches(obj, "descr", descr);
    }

    private static HashSet<string> NewSet() => new(StringComparer.OrdinalIgnoreCase);

    private static void AddAll(HashSet<string> set, IEnumerable<string>? values)
    {
        foreach (var value in values ?? [])
        {
            if (!string.IsNullOrWhiteSpace(value))
                set.Add(value.Trim());
        }
    }

    // RPSL allows list values ("A-MNT, B-MNT"), so each comma-separated item is looked up.
    private static bool AnyValueIn(RpslObject obj, string name, HashSet<string> set)
    {
        var lookup = set.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var i = obj.IndexOf(name); i >= 0; i = obj.IndexOf(name, i + 1))
        {
            var value = obj.Value(i);
            foreach (var range in value.Split(','))
            {
                if (lookup.Contains(value[range].Trim()))
                    return true;
            }
        }

        return false;
    }

    private static bool AnyValueMatches(RpslObject obj, string name, Regex pattern)
    {
        for (var i = obj.IndexOf(name); i >= 0; i = obj.IndexOf(name, i + 1))
        {
            if (pattern.IsMatch(obj.Value(i)))
                return true;
        }

        return false;
    }
}
