using System.Text.RegularExpressions;

namespace Widescan.Ripe;

/// <summary>
/// Which RIPE objects an import keeps. Every filter given must match; an empty list or a null value
/// means "any". An object that lacks the attribute a filter looks at does not match that filter.
/// Countries, orgs, maintainers and statuses compare case-insensitively, and an RPSL list value
/// ("A-MNT, B-MNT") matches when any of its items is listed. Check the options with
/// <see cref="Validate"/>; <see cref="RipeImport"/> refuses unusable ones with every problem at once.
/// </summary>
public sealed record RipeFilterOptions
{
    /// <summary>The name <see cref="Validate"/> gives the import's route6 input in its messages.</summary>
    public const string Route6Input = "route6";

    /// <summary>ISO 3166 country codes (the <c>country:</c> attribute), such as "NL"; any one of them matches.</summary>
    public IReadOnlyList<string> Countries { get; init; } = [];

    /// <summary>A regular expression the <c>netname:</c> must match (case-insensitive, linear time).</summary>
    public string? NetnamePattern { get; init; }

    /// <summary>A regular expression one of the <c>descr:</c> lines must match (case-insensitive, linear time).</summary>
    public string? DescrPattern { get; init; }

    /// <summary>Organisation handles (the <c>org:</c> attribute), such as "ORG-EXAMPLE1-RIPE".</summary>
    public IReadOnlyList<string> Orgs { get; init; } = [];

    /// <summary>Maintainers: one of the object's <c>mnt-by:</c> values must be listed.</summary>
    public IReadOnlyList<string> MntBy { get; init; } = [];

    /// <summary>Statuses (ALLOCATED-BY-RIR, ALLOCATED-BY-LIR, AGGREGATED-BY-LIR, ASSIGNED, ASSIGNED PI, ...).</summary>
    public IReadOnlyList<string> Statuses { get; init; } = [];

    /// <summary>The shortest prefix length kept (0-128).</summary>
    public int? MinLength { get; init; }

    /// <summary>The longest prefix length kept (0-128).</summary>
    public int? MaxLength { get; init; }

    /// <summary>
    /// Origin AS numbers ("AS64500" or "64500"): route6 objects must have one of them, and inet6num
    /// space is then kept only where route6 objects of these origins cover it (see
    /// <see cref="NeedsAnnouncement"/>).
    /// </summary>
    public IReadOnlyList<string> Origins { get; init; } = [];

    /// <summary>Keep only inet6num space covered by a route6 object (the import needs route6 objects then).</summary>
    public bool AnnouncedOnly { get; init; }

    /// <summary>Whether inet6num objects must be covered by a (matching) route6 object to be kept.</summary>
    public bool NeedsAnnouncement => AnnouncedOnly || Origins is { Count: > 0 };

    /// <summary>
    /// Every problem of these options, one sentence each naming the option; empty when they are usable.
    /// </summary>
    /// <param name="hasRoute6">Whether the import is given route6 objects (a route6 file or stream).</param>
    /// <param name="optionName">
    /// How to name an option in the messages (a command line passes its flags): called with a property
    /// name such as <c>nameof(MinLength)</c>, or <see cref="Route6Input"/>; null or a null answer keeps the
    /// property name.
    /// </param>
    public IReadOnlyList<string> Validate(bool hasRoute6, Func<string, string?>? optionName = null)
    {
        string Name(string option) => optionName?.Invoke(option) ?? option;

        var errors = new List<string>();
        CheckPattern(NetnamePattern, Name(nameof(NetnamePattern)), errors);
        CheckPattern(DescrPattern, Name(nameof(DescrPattern)), errors);
        foreach (var origin in Origins ?? [])
        {
            if (!AsNumber.TryParse(origin, out _))
                errors.Add($"{Name(nameof(Origins))} '{origin}' is not an AS number (AS64500 or 64500)");
        }

        if (MinLength is < 0 or > 128)
            errors.Add($"{Name(nameof(MinLength))} {MinLength} is out of range (0-128)");
        if (MaxLength is < 0 or > 128)
            errors.Add($"{Name(nameof(MaxLength))} {MaxLength} is out of range (0-128)");
        if (MinLength > MaxLength)
            errors.Add($"{Name(nameof(MinLength))} {MinLength} is greater than {Name(nameof(MaxLength))} {MaxLength}");
        if (AnnouncedOnly && !hasRoute6)
        {
            var route6 = optionName?.Invoke(Route6Input) ?? "the import route6 objects";
            errors.Add($"{Name(nameof(AnnouncedOnly))} needs the route6 objects: give {route6} (ripe.db.route6)");
        }

        return errors;
    }

    /// <summary>Builds a case-insensitive, linear-time pattern.</summary>
    /// <exception cref="ArgumentException">The pattern is not a valid regular expression.</exception>
    internal static Regex CreatePattern(string pattern) =>
        // NonBacktracking: a user's pattern meets millions of names, so its time must stay linear.
        new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    private static void CheckPattern(string? pattern, string name, List<string> errors)
    {
        if (pattern is null)
            return;
        try
        {
            CreatePattern(pattern);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            errors.Add($"{name} '{pattern}' is not a usable regular expression: {e.Message}");
        }
    }
}
