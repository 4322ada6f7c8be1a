namespace Widescan.Plugin.Targets;

/// <summary>An inclusive range of subnet numbers (an address shifted right by the identifier bits).</summary>
/// <param name="First">The first subnet number.</param>
/// <param name="Last">The last subnet number, inclusive.</param>
internal readonly record struct SubnetRange(UInt128 First, UInt128 Last)
{
    /// <summary>The number of subnets (Last - First + 1); a range of all 2^128 cannot occur (a window has at least one identifier bit or one prefix bit).</summary>
    public UInt128 Count => Last - First + 1;
}

/// <summary>Set arithmetic on sorted ranges of subnet numbers; work scales with the number of prefixes, never their size.</summary>
internal static class SubnetRanges
{
    /// <summary>Sorts and merges overlapping or adjacent ranges.</summary>
    public static List<SubnetRange> Normalize(IEnumerable<SubnetRange> ranges)
    {
        var sorted = ranges.OrderBy(r => r.First).ToList();
        var merged = new List<SubnetRange>(sorted.Count);
        foreach (var range in sorted)
        {
            if (merged.Count > 0 && (merged[^1].Last == UInt128.MaxValue || range.First <= merged[^1].Last + 1))
            {
                if (range.Last > merged[^1].Last)
                    merged[^1] = merged[^1] with { Last = range.Last };
                continue;
            }

            merged.Add(range);
        }

        return merged;
    }

    /// <summary>The parts of <paramref name="include"/> outside every range of <paramref name="exclude"/> (both normalized).</summary>
    public static List<SubnetRange> Subtract(IReadOnlyList<SubnetRange> include, IReadOnlyList<SubnetRange> exclude)
    {
        var result = new List<SubnetRange>(include.Count);
        var e = 0;
        foreach (var range in include)
        {
            var first = range.First;
            var done = false;
            while (e < exclude.Count && exclude[e].Last < first)
                e++;
            for (var k = e; k < exclude.Count && exclude[k].First <= range.Last; k++)
            {
                if (exclude[k].First > first)
                    result.Add(new SubnetRange(first, exclude[k].First - 1));
                if (exclude[k].Last >= range.Last)
                {
                    done = true;
                    break;
                }

                first = exclude[k].Last + 1;
            }

            if (!done)
                result.Add(new SubnetRange(first, range.Last));
        }

        return result;
    }
}
