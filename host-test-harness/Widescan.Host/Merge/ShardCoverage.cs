using Widescan.Contracts;

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

    /// <summary>The shards no file holds, as "i/n".</summary>
    public List<string> Missing { get; } = [];

    /// <summary>The shards not scanned to their end, each with its file and why.</summary>
    public List<string> Incomplete { get; } = [];

    /// <summary>The plan's fingerprint.</summary>
    public string? Fingerprint { get; private set; }

    /// <summary>The shard count.</summary>
    public int Count { get; private set; }

    /// <summary>Whether every shard is there and complete.</summary>
    public bool IsComplete => Refusals.Count == 0 && Missing.Count == 0 && Incomplete.Count == 0;

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
        if (coverage.Refusals.Count > 0 || planned.Count == 0)
            return coverage;

        coverage.Fingerprint = planned[0].Fingerprint;
        coverage.Count = counts[0];
        for (var index = 0; index < coverage.Count; index++)
        {
            var shard = new ShardSpec(index, coverage.Count);
            var held = files.Where(f => f.Shard == shard).ToList();
            var saved = states.Where(s => s.State.Shard == shard.ToString()).ToList();
            if (held.Count == 0)
            {
                coverage.Missing.Add(shard.ToString());
                continue;
            }

            // Complete by any file's closing record, or by a state file that reached the end.
            if (held.Any(f => f.Ending?.IsComplete == true) || saved.Any(s => s.State.Cursor >= s.State.Positions))
                continue;
            coverage.Incomplete.Add($"shard {shard} ({string.Join(", ", held.Select(f => f.Path))}): {Why(held, saved)}");
        }

        return coverage;
    }

    private static string Why(List<ShardResults> held, List<(string Path, ScanState State)> saved)
    {
        var reasons = held.Select(f => f.Ending switch
        {
            null => $"{f.Path} has no closing record (the run is still going, was killed, or could not write it)",
            { Status: "complete" } e => $"{f.Path} stopped at cursor {e.Cursor} of {e.Positions} (a --max-probes cap?)",
            { Status: "incomplete" } e => $"{f.Path} lost answers (status incomplete, cursor {e.Cursor} of {e.Positions}: see its summary)",
            var e => $"{f.Path} ended {e.Status} at cursor {e.Cursor} of {e.Positions}",
        }).ToList();
        reasons.AddRange(saved.Select(s => $"its state {s.Path} is at cursor {s.State.Cursor} of {s.State.Positions}"));
        return string.Join("; ", reasons) + "; resume it with its --state, then merge again";
    }
}
