using System.Globalization;

namespace Widescan.Ripe;

/// <summary>What an import read, kept and rejected.</summary>
public sealed class RipeSummary
{
    /// <summary>How many problems are kept in <see cref="Problems"/>; the rest are only counted.</summary>
    public const int MaxListedProblems = 1000;

    private readonly List<RipeProblem> problems = [];
    private readonly List<RipeProblem> streamErrors = [];

    // Only an import fills a summary.
    internal RipeSummary()
    {
    }

    /// <summary>inet6num and route6 objects read from the main file, malformed ones included.</summary>
    public long ObjectsRead { get; internal set; }

    /// <summary>Objects that passed every filter.</summary>
    public long Matched { get; internal set; }

    /// <summary>Objects of the main file that could not be used (each one listed in <see cref="Problems"/>).</summary>
    public long Malformed { get; internal set; }

    /// <summary>Objects of other RPSL classes (person, mntner, ...), ignored.</summary>
    public long OtherClasses { get; internal set; }

    /// <summary>
    /// Matched route6 objects whose prefix was written already (by an inet6num, or another route6 of
    /// another origin): not written again nor counted in <see cref="TotalTargets"/>.
    /// </summary>
    public long Duplicates { get; internal set; }

    /// <summary>Prefix-list entries written.</summary>
    public long Prefixes { get; internal set; }

    /// <summary>
    /// Targets of every entry written, each counted on its own (an entry inside another, such as an
    /// assignment inside its allocation, is counted again; a scan merges them; the same prefix is
    /// one entry): 2^(window - length) with a window, else 2^(128 - length). Saturates at
    /// <see cref="UInt128.MaxValue"/>.
    /// </summary>
    public UInt128 TotalTargets { get; internal set; }

    /// <summary>route6 objects read from the route6 file.</summary>
    public long Route6Read { get; internal set; }

    /// <summary>route6 objects used as announcements (origin filter passed).</summary>
    public long Route6Used { get; internal set; }

    /// <summary>route6 objects of the route6 file that could not be used.</summary>
    public long Route6Malformed { get; internal set; }

    /// <summary>
    /// Inputs that could not be read to their end (binary data, a damaged or truncated gzip stream), one
    /// per input, with the line where reading stopped: the objects before it were imported, the rest
    /// was not, so the entries are incomplete. Empty when <see cref="IsComplete"/>.
    /// </summary>
    public IReadOnlyList<RipeProblem> StreamErrors => streamErrors;

    /// <summary>Whether every input was read to its end (malformed objects aside, which are listed in <see cref="Problems"/>).</summary>
    public bool IsComplete => streamErrors.Count == 0;

    /// <summary>The first <see cref="MaxListedProblems"/> problems, in file order.</summary>
    public IReadOnlyList<RipeProblem> Problems => problems;

    /// <summary>Problems past <see cref="MaxListedProblems"/>, counted only.</summary>
    public long ProblemsNotListed { get; private set; }

    /// <summary>The summary in a few lines of text (the form <c>widescan ripe</c> prints), stream errors last.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var text = string.Create(c,
            $"objects read: {ObjectsRead}, matched: {Matched}, malformed: {Malformed}, other classes: {OtherClasses}\n" +
            $"prefixes: {Prefixes}, total targets: {FormatTargets(TotalTargets)}\n");
        if (Duplicates > 0)
            text += string.Create(c, $"duplicates: {Duplicates} route6 object(s) of a prefix written already (one entry per prefix)\n");
        if (Route6Read > 0 || Route6Malformed > 0)
            text += string.Create(c, $"route6 objects read: {Route6Read}, used: {Route6Used}, malformed: {Route6Malformed}\n");
        foreach (var error in streamErrors)
            text += $"error: {error.File}: {error.Message}\n";
        return text;
    }

    /// <summary>A target count with its magnitude as a power of two, since most are too large to read.</summary>
    public static string FormatTargets(UInt128 targets)
    {
        if (targets == UInt128.MaxValue)
            return "2^128 or more";
        if (targets < 1024)
            return targets.ToString(CultureInfo.InvariantCulture);
        var log2 = Math.Log2((double)targets);
        return string.Create(CultureInfo.InvariantCulture, $"{targets} (~2^{log2:0.#})");
    }

    internal void AddProblem(RipeProblem problem)
    {
        if (problems.Count < MaxListedProblems)
            problems.Add(problem);
        else
            ProblemsNotListed++;
    }

    internal void AddStreamError(RipeProblem error) => streamErrors.Add(error);

    internal void AddTargets(UInt128 targets)
    {
        var total = TotalTargets + targets;
        TotalTargets = total < TotalTargets ? UInt128.MaxValue : total;
    }
}
