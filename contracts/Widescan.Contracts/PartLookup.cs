namespace Widescan.Contracts;

/// <summary>
/// The one way a Widescan part is chosen by name, used by the discovery module (generators,
/// broadcasters, listeners) and by hosts (modules, generators): names compare ordinally ignoring case
/// ("CPU" is "cpu"), so a name that works in one place works in every other; two parts of one kind
/// whose names are equal that way are refused (<see cref="DuplicatePartException"/>) instead of one
/// winning by load order. Only the part found is created.
/// </summary>
public static class PartLookup
{
    /// <summary>How part names compare: ordinal, ignoring case.</summary>
    public static StringComparer Comparer => StringComparer.OrdinalIgnoreCase;

    /// <summary>The part of <paramref name="parts"/> named <paramref name="name"/>, or null when there is none.</summary>
    /// <typeparam name="T">The part's contract (<see cref="IAddressGenerator"/>, <see cref="IProbeBroadcaster"/>, ...).</typeparam>
    /// <param name="parts">The exports of one kind, with their metadata.</param>
    /// <param name="kind">The kind, for the message (one of <see cref="PartKinds"/>).</param>
    /// <param name="name">The name asked for.</param>
    /// <exception cref="DuplicatePartException">More than one part carries the name.</exception>
    public static Lazy<T, PartMetadata>? Find<T>(IEnumerable<Lazy<T, PartMetadata>> parts, string kind, string name)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(name);
        Lazy<T, PartMetadata>? found = null;
        List<string>? names = null;
        foreach (var part in parts)
        {
            if (!Comparer.Equals(part.Metadata.Name, name))
                continue;
            if (found is null)
            {
                found = part;
                continue;
            }

            names ??= [found.Metadata.Name];
            names.Add(part.Metadata.Name);
        }

        return names is null ? found : throw new DuplicatePartException(kind, name, names);
    }

    /// <summary>
    /// Why <see cref="Find{T}"/> found nothing, one sentence that lists the names on offer:
    /// "no generator named 'x'; the plugins offer: auto, cpu, gpu".
    /// </summary>
    public static string NotFound<T>(IEnumerable<Lazy<T, PartMetadata>> parts, string kind, string name)
    {
        ArgumentNullException.ThrowIfNull(parts);
        // A loop, not Select: a lambda over Lazy<T, PartMetadata> is a compiler-generated generic whose
        // T lacks Lazy's DynamicallyAccessedMembers annotation (IL2091 in every trimmed or AOT host).
        var names = new List<string>();
        foreach (var part in parts)
            names.Add(part.Metadata.Name);
        names.Sort(StringComparer.Ordinal);
        return names.Count == 0
            ? $"no {kind} named '{name}': no plugin exports a {kind}"
            : $"no {kind} named '{name}'; the plugins offer: {string.Join(", ", names)}";
    }

    /// <summary>The names carried by more than one part of <paramref name="parts"/> (compared as <see cref="Find{T}"/> does), for a host's diagnostics.</summary>
    public static IReadOnlyList<string> Duplicates<T>(IEnumerable<Lazy<T, PartMetadata>> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return [.. parts.GroupBy(p => p.Metadata.Name, Comparer).Where(g => g.Count() > 1).Select(g => g.Key).Order(StringComparer.Ordinal)];
    }
}

/// <summary>
/// Two or more parts of one kind carry the same name (ignoring case), so a lookup by that name cannot
/// tell which is meant: one plugin must rename its part, or one plugin folder go.
/// </summary>
public sealed class DuplicatePartException : InvalidOperationException
{
    /// <summary>Creates the exception for a kind, the name asked for and the names found.</summary>
    public DuplicatePartException(string kind, string name, IReadOnlyList<string> names)
        : base($"{names.Count} {kind} parts are named '{name}' ({string.Join(", ", names.Select(n => $"'{n}'"))}; names compare ignoring case): each {kind} needs a name of its own, so rename one or remove its plugin")
    {
        Kind = kind;
        Name = name;
        Names = names;
    }

    /// <summary>The kind of part (one of <see cref="PartKinds"/>).</summary>
    public string Kind { get; }

    /// <summary>The name asked for.</summary>
    public string Name { get; }

    /// <summary>The names of the parts that match it, as their metadata spell them.</summary>
    public IReadOnlyList<string> Names { get; }
}
