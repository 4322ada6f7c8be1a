using System.Globalization;
using System.Text.RegularExpressions;
using Widescan.Contracts;

namespace Widescan.Host.Ripe;

/// <summary>
/// Which RIPE objects an import keeps. Every filter given must match; an empty set or a null value
/// means "any". An object that lacks the attribute a filter looks at does not match that filter.
/// Names, countries, statuses, orgs and maintainers compare case-insensitively.
/// </summary>
internal sealed class RipeFilter
{
    private readonly HashSet<string> countries = NewSet();
    private readonly HashSet<string> orgs = NewSet();
    private readonly HashSet<string> maintainers = NewSet();
    private readonly HashSet<string> statuses = NewSet();
    private readonly HashSet<uint> origins = [];

    /// <summary>ISO country codes (the <c>country:</c> attribute); any one of them matches.</summary>
    public IEnumerable<string> Countries { get => countries; init => AddAll(countries, value); }

    /// <summary>A pattern the <c>netname:</c> must match.</summary>
    public Regex? Netname { get; init; }

    /// <summary>A pattern one of the <c>descr:</c> attributes must match.</summary>
    public Regex? Descr { get; init; }

    /// <summary>Organisation handles (the <c>org:</c> attribute).</summary>
    public IEnumerable<string> Orgs { get => orgs; init => AddAll(orgs, value); }

    /// <summary>Maintainers; one of the object's <c>mnt-by:</c> values must be listed.</summary>
    public IEnumerable<string> MntBy { get => maintainers; init => AddAll(maintainers, value); }

    /// <summary>Statuses (ALLOCATED-BY-RIR, ALLOCATED-BY-LIR, AGGREGATED-BY-LIR, ASSIGNED, ASSIGNED PI, ...).</summary>
    public IEnumerable<string> Statuses { get => statuses; init => AddAll(statuses, value); }

    /// <summary>The shortest prefix length kept.</summary>
    public int? MinLength { get; init; }

    /// <summary>The longest prefix length kept.</summary>
    public int? MaxLength { get; init; }

    /// <summary>
    /// Origin ASNs: route6 objects must have one of them, and with a route6 file only route6 objects of
    /// these ASNs make inet6num space count as announced (see <see cref="NeedsAnnouncement"/>).
    /// </summary>
    public IEnumerable<uint> Origins { get => origins; init => origins.UnionWith(value); }

    /// <summary>Keep only inet6num space covered by a route6 object.</summary>
    public bool AnnouncedOnly { get; init; }

    /// <summary>Whether inet6num objects must be covered by a (matching) route6 object.</summary>
    public bool NeedsAnnouncement => AnnouncedOnly || origins.Count > 0;

    /// <summary>Builds a case-insensitive, linear-time pattern; the message names the option on error.</summary>
    /// <exception cref="ArgumentException">The pattern is not a valid regular expression.</exception>
    public static Regex CreatePattern(string pattern, string option)
    {
        try
        {
            // NonBacktracking: a user's pattern meets millions of names, so its time must stay linear.
            return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new ArgumentException($"{option} '{pattern}' is not a usable regular expression: {e.Message}", e);
        }
    }

    /// <summary>Parses "AS64500", "as64500" or "64500".</summary>
    public static bool TryParseAsn(ReadOnlySpan<char> text, out uint asn)
    {
        text = text.Trim();
        if (text.StartsWith("AS", StringComparison.OrdinalIgnoreCase))
            text = text[2..];
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out asn);
    }

    /// <summary>Whether a route6 object of this origin passes the origin filter.</summary>
    public bool AcceptsOrigin(uint origin) => origins.Count == 0 || origins.Contains(origin);

    /// <summary>Problems with the filter itself, each a sentence; empty when it is usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MinLength is < 0 or > 128)
            errors.Add($"--min-length {MinLength} is out of range (0-128)");
        if (MaxLength is < 0 or > 128)
            errors.Add($"--max-length {MaxLength} is out of range (0-128)");
        if (MinLength > MaxLength)
            errors.Add($"--min-length {MinLength} is greater than --max-length {MaxLength}");
        return errors;
    }

    /// <summary>Whether the object passes every attribute filter (announcement is checked by the import).</summary>
    public bool Matches(RpslObject obj, Ipv6Prefix prefix, bool isRoute6, uint origin)
    {
        if (prefix.Length < MinLength || prefix.Length > MaxLength)
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
        if (Netname is not null && !AnyValueMatches(obj, "netname", Netname))
            return false;
        return Descr is null || AnyValueMatches(obj, "descr", Descr);
    }

    private static HashSet<string> NewSet() => new(StringComparer.OrdinalIgnoreCase);

    private static void AddAll(HashSet<string> set, IEnumerable<string> values)
    {
        foreach (var value in values)
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
