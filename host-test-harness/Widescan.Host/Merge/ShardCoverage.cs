using System.Globalization;
using Widescan.Contracts;
using Widescan.Host.Input;

namespace Widescan.Host.Merge;

/// <summary>
/// Whether a set of shard files (and their state files) makes one whole scan: one plan fingerprint
/// throughout (else <see cref="Refusals"/> name the files of each), every shard index of the count
/// present (else <see cref="Missing"/>), and each shard scanned to its end with nothing lost, by its
/// closing record or its state file (else <see cref="Incomplete"/>).
/// </summary>
internal sealed class ShardCoverage
{
    private ShardCoverage()
    {
    }

    /// <summary>Why the files cannot be merged at all (mixed plans, a file without a plan or shard); empty when they can.</summary>
    public List<string> Refusals { get; } = [];

    /// <summary>The shards no file holds, as "i/n", or "i-j/n" for a run of them (a count of 2^31 lists at most one entry per file, plus one).</summary>
    public List<string> Missing { get; } = [];

    /// <summary>How many shards no file holds (the entries of <see cref="Missing"/> may stand for many).</summary>
    public long MissingCount { get; private set; }

    /// <summary>The shards not scanned to their end, each with its file and why.</summary>
    public List<string> Incomplete { get; } = [];

    /// <summary>What the merge should say though it is no reason to refuse (a shard held by two files).</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>The plan's fingerprint.</summary>
    public string? Fingerprint { get; private set; }

    /// <summary>The shard count.</summary>
    public int Count { get; private set; }

    /// <summary>Whether every shard is there and complete.</summary>
    public bool IsComplete => Refusals.Count == 0 && MissingCount == 0 && Incomplete.Count == 0;

    /// <summary>Checks the files and the state files (each path with its state).</summary>
    public static ShardCoverage Of(IReadOnlyList<ShardResults> files, IReadOnlyList<(string Path, ScanState State)> states)
    {
        var coverage = new ShardCoverage();
        foreach (var file in files.Where(f => f.Runs > 0))
        {
            if (file.Fingerprint is null)
                coverage.Refusals.Add($"{file.Path} has no plan fingerprint (written by a widescan from before fingerprints): merge cannot tell whether it belongs to the others");
            if (file.Shard is null)
                coverage.Refusals.Add($"{file.Path} has no shard in its run record");
        }

        var planned = files.Where(f => f.Fingerprint is not null).Select(f => (f.Path, Fingerprint: f.Fingerprint!))
            .Concat(states.Select(s => (s.Path, Fingerprint: s.State.PlanFingerprint ?? "none")))
            .ToList();
        var plans = planned.GroupBy(p => p.Fingerprint).ToList();
        if (plans.Count > 1)
        {
            // Every group named: the odd one out may be any of them.
            coverage.Refusals.Add("the files are of different plans (another seed, target list, exclusion, blocklist, window or shard count): "
                + string.Join("; ", plans.OrderByDescending(g => g.Count()).Select(g => $"plan {g.Key}: {string.Join(", ", g.Select(p => p.Path))}")));
        }

        var counts = files.Where(f => f.Shard is not null).Select(f => f.Shard!.Value.Count)
            .Concat(states.Select(s => ShardSpec.Parse(s.State.Shard).Count)).Distinct().ToList();
        if (counts.Count > 1)
            coverage.Refusals.Add($"the files are of different shard counts ({string.Join(", ", counts)})");
        if (coverage.Refusals.Count == 0 && planned.Count > 0)
            CheckPositions(coverage, files, states, counts[0]);
        if (coverage.Refusals.Count > 0 || planned.Count == 0)
            return coverage;

        coverage.Fingerprint = planned[0].Fingerprint;
        coverage.Count = counts[0];

        // Only the shards some file holds are visited: a forged count of 2^31 costs nothing.
        var byShard = files.Where(f => f.Shard is not null).GroupBy(f => f.Shard!.Value.Index).OrderBy(g => g.Key).ToList();
        var next = 0;
        foreach (var group in byShard)
        {
            coverage.AddMissing(next, group.Key - 1);
            next = group.Key + 1;
            var shard = new ShardSpec(group.Key, coverage.Count);
            var held = group.ToList();
            var saved = states.Where(s => s.State.Shard == shard.ToString()).ToList();
            if (held.Count > 1)
                coverage.Warnings.Add($"shard {shard} is in {held.Count} files ({string.Join(", ", held.Select(f => f.Path))}): their results are merged together; if one of them was meant to be another shard, that shard is reported missing");
            if (Why(held, saved) is { } why)
                coverage.Incomplete.Add($"shard {shard} ({string.Join(", ", held.Select(f => f.Path))}): {why}; resume it with its --state, then merge again");
        }

        coverage.AddMissing(next, coverage.Count - 1);
        return coverage;
    }

    private void AddMissing(int first, int last)
    {
        if (first > last)
            return;
        MissingCount += (long)last - first + 1;
        Missing.Add(first == last ? new ShardSpec(first, Count).ToString() : string.Create(CultureInfo.InvariantCulture, $"{first}-{last}/{Count}"));
    }

    /// <summary>
    /// Refuses positions that no one plan gives: shard i of n holds ceil((P - i) / n) of the plan's P
    /// positions, so the shards' counts differ by at most one, the larger ones first, and every closing
    /// record and state file of one shard says the same. A closing record that claims a shard complete
    /// at "cursor 0 of 0 positions" (forged, or a damaged run) fails this when any other shard is
    /// heard from; merge has no plan to count positions itself, only the fingerprint of one.
    /// </summary>
    private static void CheckPositions(ShardCoverage coverage, IReadOnlyList<ShardResults> files, IReadOnlyList<(string Path, ScanState State)> states, int count)
    {
        var claims = files.Where(f => f.Shard is not null).SelectMany(f => f.ClaimedPositions.Select(p => (Index: f.Shard!.Value.Index, Positions: p, f.Path)))
            .Concat(states.Select(s => (ShardSpec.Parse(s.State.Shard).Index, s.State.Positions, s.Path)))
            .ToList();
        if (claims.Count == 0)
            return;
        var problems = new List<string>();
        foreach (var shard in claims.GroupBy(c => c.Index).Where(g => g.Select(c => c.Positions).Distinct().Count() > 1))
            problems.Add($"shard {new ShardSpec(shard.Key, count)} is said to hold {string.Join(" and ", shard.Select(c => $"{c.Positions} positions ({c.Path})"))}");
        var most = claims.Max(c => c.Positions);
        var least = claims.Min(c => c.Positions);
        var lastOfMost = claims.Where(c => c.Positions == most).Max(c => c.Index);
        var firstOfLeast = claims.Where(c => c.Positions == least).Min(c => c.Index);
        if (problems.Count == 0 && (most - least > 1 || most != least && lastOfMost > firstOfLeast))
        {
            problems.Add("the shards' positions fit no one plan (shard i of n holds ceil((P - i) / n) of its P positions: they differ by at most one, the larger first): "
                + string.Join(", ", claims.DistinctBy(c => (c.Index, c.Positions)).OrderBy(c => c.Index).Select(c => $"shard {new ShardSpec(c.Index, count)} {c.Positions} ({c.Path})")));
        }

        foreach (var problem in problems)
            coverage.Refusals.Add($"{problem}: a closing record or state file is damaged, forged or of another plan");
    }

    // Why a shard is not complete, or null when it is: by a file's closing record, or (for a file without one) its state file.
    private static string? Why(List<ShardResults> held, List<(string Path, ScanState State)> saved)
    {
        var gaps = held.SelectMany(f => f.Gaps).ToList();
        if (gaps.Count > 0)
            return string.Join("; ", gaps);

        // The shard's first positions: some file's first run must start at the beginning.
        if (held.All(f => f.FirstStart > 0))
            return $"no file starts at cursor 0 ({string.Join(", ", held.Select(f => $"{f.Path} at {f.FirstStart}"))}): the positions before were never sent, or are in a file not given";

        // A closing record is the run's own word, lost answers included: a state file (the cursor sending reached) may not overrule it.
        if (held.Any(f => f.Ending?.IsComplete == true))
            return null;
        if (held.All(f => f.Ending is null) && saved.Any(s => s.State.Cursor >= s.State.Positions))
            return null;
        var reasons = held.Select(f => f.Ending switch
        {
            null => $"{f.Path} has no closing record (the run is still going, was killed, or could not write it)",
            { Status: "complete" } e => $"{f.Path} stopped at cursor {e.Cursor} of {e.Positions} (a --max-probes cap?)",
            { Status: "incomplete" } e => $"{f.Path} lost answers (status incomplete, cursor {e.Cursor} of {e.Positions}: see its summary)",
            var e => $"{f.Path} ended {Printable.Escape(e.Status)} at cursor {e.Cursor} of {e.Positions}",
        }).ToList();
        reasons.AddRange(saved.Select(s => $"its state {s.Path} is at cursor {s.State.Cursor} of {s.State.Positions}"
            + (s.State.Cursor >= s.State.Positions && held.Any(f => f.Ending is not null) ? ", which does not overrule a closing record" : "")));
        return string.Join("; ", reasons);
    }
}
