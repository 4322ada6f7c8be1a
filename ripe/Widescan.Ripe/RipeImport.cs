using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Widescan.Contracts;

namespace Widescan.Ripe;

/// <summary>
/// Turns RIPE Database objects into prefix-list entries: reads the route6 objects (if given) into a
/// <see cref="Route6Coverage"/>, then streams the main input (inet6num and/or route6 objects) through
/// the filter, handing one <see cref="PrefixListEntry"/> per kept prefix to a callback as it goes, so
/// a whole ripe.db.inet6num is imported in constant memory.
/// </summary>
/// <remarks>
/// An AGGREGATED-BY-LIR inet6num's <c>assignment-size</c> becomes the entry's subnet window
/// (<see cref="PrefixListEntry.SubnetBits"/>), so a scan probes one address per end site. With an
/// announcement filter an inet6num yields the part of it that route6 objects cover: itself when one
/// route covers it, else the routes inside it.
/// An inet6num and a route6 of the same prefix (or two route6 objects of one prefix with different
/// origins) are one entry, counted once in the summary: the main input's route6 entries are held
/// (route6 objects are few) and written after its inet6num entries, each unless an entry of its
/// prefix was written, so the inet6num's entry, which carries the assignment window, is the one kept.
/// Malformed objects never stop an import: each is counted and listed in the <see cref="RipeSummary"/>
/// with its file and line. One instance runs one import at a time.
/// </remarks>
public sealed class RipeImport
{
    private static readonly HashSet<string> OtherRpslClasses = new(StringComparer.Ordinal)
    {
        "as-block", "as-set", "aut-num", "domain", "filter-set", "inet-rtr", "inetnum", "irt", "key-cert",
        "mntner", "organisation", "peering-set", "person", "poem", "poetic-form", "role", "route",
        "route-set", "rtr-set",
    };

    private readonly RipeFilter filter;
    private readonly List<Ipv6Prefix> parts = [];
    private readonly HashSet<Ipv6Prefix> written = [];
    private readonly List<PrefixListEntry> heldRoutes = [];
    private readonly HashSet<Ipv6Prefix> heldRoutePrefixes = [];
    private Route6Coverage? coverage;

    /// <summary>Prepares an import that keeps what <paramref name="options"/> selects.</summary>
    /// <exception cref="RipeOptionsException">The options are not usable; every problem is listed.</exception>
    public RipeImport(RipeFilterOptions options)
    {
        filter = new RipeFilter(options);
        Options = options;
    }

    /// <summary>The filter options this import applies.</summary>
    public RipeFilterOptions Options { get; }

    /// <summary>
    /// Imports files (plain or gzip, sniffed from their first bytes); see
    /// <see cref="Run(Stream, string, Stream?, string?, Action{PrefixListEntry}, CancellationToken)"/>. Problems name the
    /// files as given.
    /// </summary>
    /// <param name="file">ripe.db.inet6num (or ripe.db.route6, or both kinds of object in one file).</param>
    /// <param name="route6File">ripe.db.route6: the announcements, or null.</param>
    /// <param name="emit">Called once per entry, in input order.</param>
    /// <param name="cancellationToken">Stops the import between two objects.</param>
    /// <exception cref="RipeOptionsException">The options need route6 objects and none are given.</exception>
    /// <exception cref="IOException">A file cannot be opened or read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public RipeSummary Run(string file, string? route6File, Action<PrefixListEntry> emit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ThrowIfUnusable(route6File is not null);
        using var main = File.OpenRead(file);
        using var routes = route6File is null ? null : File.OpenRead(route6File);
        return Run(main, file, routes, route6File, emit, cancellationToken);
    }

    /// <summary>
    /// Reads <paramref name="route6"/> (when given) and then <paramref name="main"/>, calling
    /// <paramref name="emit"/> for each entry. Malformed objects are counted and listed, never fatal; an
    /// input that cannot be read to its end (binary, a damaged gzip stream) is in
    /// <see cref="RipeSummary.StreamErrors"/>, and the entries are then incomplete.
    /// </summary>
    /// <param name="main">The inet6num (and/or route6) objects, plain or gzip; left open.</param>
    /// <param name="mainName">The name problems give <paramref name="main"/>.</param>
    /// <param name="route6">The route6 objects (announcements), plain or gzip, or null; left open.</param>
    /// <param name="route6Name">The name problems give <paramref name="route6"/> ("route6" when null).</param>
    /// <param name="emit">Called once per entry, in input order.</param>
    /// <param name="cancellationToken">Stops the import between two objects.</param>
    /// <exception cref="RipeOptionsException">The options need route6 objects and none are given.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public RipeSummary Run(Stream main, string mainName, Stream? route6, string? route6Name, Action<PrefixListEntry> emit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(main);
        ArgumentNullException.ThrowIfNull(mainName);
        ArgumentNullException.ThrowIfNull(emit);
        ThrowIfUnusable(route6 is not null);

        // One import's state: a second run on the same instance starts afresh.
        parts.Clear();
        written.Clear();
        heldRoutes.Clear();
        heldRoutePrefixes.Clear();
        var summary = new RipeSummary();
        coverage = route6 is null ? null : ReadRoutes(route6, route6Name ?? "route6", summary, cancellationToken);

        using var reader = new RpslReader(main, leaveOpen: true);
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            Import(reader.Current, mainName, summary, emit);
        }

        if (reader.StreamError is not null)
            summary.AddStreamError(new RipeProblem(mainName, reader.StreamErrorLine, reader.StreamError));
        foreach (var entry in heldRoutes)
        {
            if (written.Contains(entry.Prefix))
                summary.Duplicates++;
            else
                Write(entry, summary, emit);
        }

        return summary;
    }

    private void ThrowIfUnusable(bool hasRoute6)
    {
        var errors = Options.Validate(hasRoute6);
        if (errors.Count > 0)
            throw new RipeOptionsException(errors);
    }

    private Route6Coverage ReadRoutes(Stream stream, string name, RipeSummary summary, CancellationToken cancellationToken)
    {
        var prefixes = new List<Ipv6Prefix>();
        using var reader = new RpslReader(stream, leaveOpen: true);
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var obj = reader.Current;
            if (obj.Error is null && !obj.Class.SequenceEqual("route6"))
                continue;
            summary.Route6Read++;
            if (!TryRoute6(obj, out var prefix, out var origin, out var line, out var problem))
            {
                summary.Route6Malformed++;
                summary.AddProblem(new RipeProblem(name, line, problem));
                continue;
            }

            if (filter.AcceptsOrigin(origin))
            {
                summary.Route6Used++;
                prefixes.Add(prefix);
            }
        }

        if (reader.StreamError is not null)
            summary.AddStreamError(new RipeProblem(name, reader.StreamErrorLine, reader.StreamError));
        return Route6Coverage.Build(prefixes);
    }

    private void Import(RpslObject obj, string file, RipeSummary summary, Action<PrefixListEntry> emit)
    {
        if (obj.Error is null && IsOtherClass(obj.Class))
        {
            summary.OtherClasses++;
            return;
        }

        summary.ObjectsRead++;
        var isRoute6 = obj.Error is null && obj.Class.SequenceEqual("route6");
        Ipv6Prefix prefix;
        uint origin = 0;
        int? window = null;
        int line;
        string? problem;
        if (isRoute6
                ? !TryRoute6(obj, out prefix, out origin, out line, out problem)
                : !TryInet6num(obj, out prefix, out window, out line, out problem))
        {
            summary.Malformed++;
            summary.AddProblem(new RipeProblem(file, line, problem));
            return;
        }

        if (!filter.Matches(obj, prefix, isRoute6, origin))
            return;

        var comment = isRoute6 ? Comment(obj, "origin", "descr") : Comment(obj, "netname", "country");
        parts.Clear();
        if (isRoute6 || !filter.NeedsAnnouncement)
            parts.Add(prefix);
        else
            coverage?.AnnouncedParts(prefix, parts);
        if (parts.Count == 0)
            return;

        summary.Matched++;
        if (isRoute6)
        {
            if (heldRoutePrefixes.Add(prefix))
                heldRoutes.Add(new PrefixListEntry(prefix, null, comment));
            else
                summary.Duplicates++;
            return;
        }

        foreach (var part in parts)
        {
            // A route inside one end site gets a window of its own length: still one probe per site.
            var bits = window is { } w ? Math.Max(w, part.Length) : (int?)null;
            Write(new PrefixListEntry(part, bits, comment), summary, emit);
        }
    }

    private void Write(PrefixListEntry entry, RipeSummary summary, Action<PrefixListEntry> emit)
    {
        written.Add(entry.Prefix);
        emit(entry);
        summary.Prefixes++;
        var hostBits = (entry.SubnetBits ?? 128) - entry.Prefix.Length;
        summary.AddTargets(hostBits >= 128 ? UInt128.MaxValue : UInt128.One << hostBits);
    }

    private static bool IsOtherClass(ReadOnlySpan<char> name) =>
        OtherRpslClasses.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name);

    private static bool TryInet6num(RpslObject obj, out Ipv6Prefix prefix, out int? window, out int line, [NotNullWhen(false)] out string? problem)
    {
        prefix = default;
        window = null;
        if (!TryKey(obj, "inet6num", out prefix, out line, out problem))
            return false;

        if (obj.TryGet("status", out var status) && status.Equals("AGGREGATED-BY-LIR", StringComparison.OrdinalIgnoreCase))
        {
            var at = obj.IndexOf("assignment-size");
            if (at < 0)
                return Fail(obj.StartLine, $"inet6num {prefix} (line {obj.StartLine}) is AGGREGATED-BY-LIR but has no assignment-size", out line, out problem);
            var size = obj.Value(at);
            if (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var bits) || bits <= prefix.Length || bits > 128)
                return Fail(obj.Line(at), $"inet6num {prefix}: assignment-size '{size}' must be a length from {prefix.Length + 1} to 128", out line, out problem);
            window = bits;
        }

        return true;
    }

    private static bool TryRoute6(RpslObject obj, out Ipv6Prefix prefix, out uint origin, out int line, [NotNullWhen(false)] out string? problem)
    {
        origin = 0;
        if (!TryKey(obj, "route6", out prefix, out line, out problem))
            return false;
        var at = obj.IndexOf("origin");
        if (at < 0)
            return Fail(obj.StartLine, $"route6 {prefix} (line {obj.StartLine}) has no origin", out line, out problem);
        if (!AsNumber.TryParse(obj.Value(at), out origin))
            return Fail(obj.Line(at), $"route6 {prefix}: origin '{obj.Value(at)}' is not an AS number (AS64500)", out line, out problem);
        return true;
    }

    private static bool TryKey(RpslObject obj, string className, out Ipv6Prefix prefix, out int line, [NotNullWhen(false)] out string? problem)
    {
        prefix = default;
        if (obj.Error is not null)
            return Fail(obj.ErrorLine, obj.Error, out line, out problem);
        if (!obj.Class.SequenceEqual(className))
        {
            var hint = obj.IndexOf("inet6num") > 0 || obj.IndexOf("route6") > 0 ? " (the key must be the first attribute)" : "";
            return Fail(obj.StartLine, $"object at line {obj.StartLine} starts with '{obj.Class}:', not an RPSL class: missing its key attribute inet6num: or route6:{hint}", out line, out problem);
        }

        if (!Ipv6Prefix.TryParse(obj.Key, out prefix, out var error))
            return Fail(obj.StartLine, $"{className}: {error}", out line, out problem);
        line = obj.StartLine;
        problem = null;
        return true;
    }

    private static bool Fail(int at, string message, out int line, [NotNullWhen(false)] out string? problem)
    {
        line = at;
        problem = message;
        return false;
    }

    private static string? Comment(RpslObject obj, string first, string second)
    {
        obj.TryGet(first, out var a);
        obj.TryGet(second, out var b);
        var text = a.IsEmpty ? b.ToString() : b.IsEmpty ? a.ToString() : string.Concat(a, " ", b);
        return text.Length == 0 ? null : text;
    }
}
