using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Widescan.Contracts;

namespace Widescan.Plugin.Targets;

/// <summary>
/// The addresses of <see cref="TargetSpec.TargetFiles"/>: sorted, distinct, with what the exclusions
/// and the blocklist cover removed, in one pinned <see cref="UInt128"/> array (16 bytes an address,
/// no object per entry). Index k of the target space is <see cref="Addresses"/>[k].
/// </summary>
/// <remarks>
/// Memory stays at 16 bytes per address line during the load as well: a first pass counts the
/// address lines of every file (and refuses a binary file or an overlong line before anything is
/// allocated), the array is allocated once at that size, a second pass parses into it, and sorting,
/// removing duplicates and removing exclusions all work in place. Lines removed leave the array's
/// tail unused rather than copying it into a smaller one (a copy would double the peak).
/// </remarks>
internal sealed class TargetList
{
    private TargetList(UInt128[] addresses, int count, string fingerprint, IReadOnlyList<string> warnings, string summary)
    {
        Addresses = addresses;
        Count = count;
        Fingerprint = fingerprint;
        Warnings = warnings;
        Summary = summary;
    }

    /// <summary>The addresses, sorted and distinct, in [0, <see cref="Count"/>); allocated pinned, at least one element.</summary>
    public UInt128[] Addresses { get; }

    /// <summary>How many addresses the list holds.</summary>
    public int Count { get; }

    /// <summary>"N/sha256:HEX": the count and the first 16 bytes of a SHA-256 of the sorted addresses (16 bytes each, little-endian).</summary>
    public string Fingerprint { get; }

    /// <summary>What was removed and why (exclusions, the blocklist), and a list left empty.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>One line for the log: lines, duplicates, removals, the time taken.</summary>
    public string Summary { get; }

    /// <summary>Reads the spec's targets files; every problem of every file is reported at once.</summary>
    /// <param name="spec">The spec.</param>
    /// <param name="maxAddresses">The cap on address lines (a test lowers it rather than write 10^8 lines).</param>
    /// <param name="afterCounting">Runs between the two passes (a test changes a file there).</param>
    /// <exception cref="TargetSpecException">A file cannot be read, is binary, holds bad lines, or the files hold too many addresses.</exception>
    public static TargetList Load(TargetSpec spec, int maxAddresses = TargetSpec.MaxTargetFileAddresses, Action? afterCounting = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var clock = Stopwatch.StartNew();
        var files = spec.TargetFiles.Select(p => new TargetListFile(p)).ToArray();
        var errors = new List<string>();
        var counts = CountLines(files, maxAddresses, errors);
        if (errors.Count > 0)
        {
            // Every file that counted well is still read for its bad lines, into nothing: one run names every problem.
            for (var k = 0; k < files.Length; k++)
            {
                if (counts[k] > 0)
                    files[k].Parse(null, 0, counts[k], errors);
            }

            throw new TargetSpecException(errors);
        }

        afterCounting?.Invoke();

        // Uninitialised: every element below the count is written before it is read. Each file
        // fills its own range, so a file that changed spoils only its own.
        var lines = counts.Sum();
        var addresses = GC.AllocateUninitializedArray<UInt128>((int)Math.Max(1, lines), pinned: true);
        long start = 0;
        for (var k = 0; k < files.Length; k++)
        {
            files[k].Parse(addresses, start, counts[k], errors);
            start += counts[k];
        }

        if (errors.Count > 0)
            throw new TargetSpecException(errors);

        var written = (int)lines;
        var span = addresses.AsSpan(0, written);
        span.Sort();
        var distinct = Distinct(span);
        var warnings = new List<string>();
        var count = distinct;
        var excluded = Remove(addresses, ref count, spec.Exclude);
        if (excluded > 0)
            warnings.Add($"{excluded} addresses of the targets files lie in excluded prefixes (Exclude): they are not scanned");
        var reserved = ReservedCounts(addresses.AsSpan(0, count));
        var blocked = 0;
        if (!spec.AllowReserved)
        {
            blocked = Remove(addresses, ref count, ReservedPrefixes.Default.Select(e => e.Prefix));
            if (blocked > 0)
                warnings.Add($"{blocked} addresses of the targets files lie in the blocklist ({reserved}): they are not scanned (AllowReserved lifts the blocklist, for labs)");
        }
        else if (reserved.Length > 0)
        {
            warnings.Add($"the targets files hold reserved addresses ({reserved}): they are scanned, since AllowReserved lifts the blocklist (for labs)");
        }

        if (count == 0)
            warnings.Add("the targets files yield no targets: every address is excluded or blocked");
        var fingerprint = FingerprintOf(addresses.AsSpan(0, count));
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{files.Length} targets file(s): {written} address lines, {written - distinct} duplicates, {excluded} excluded, {blocked} blocked: {count} targets in {clock.Elapsed.TotalSeconds:F2} s (fingerprint {fingerprint})");
        return new TargetList(addresses, count, fingerprint, warnings, summary);
    }

    /// <summary>
    /// Every problem of the spec's targets files without loading them (nothing is allocated for the
    /// list): for a spec that has other errors, so that those do not hide the files' own.
    /// </summary>
    public static IReadOnlyList<string> Check(TargetSpec spec, int maxAddresses = TargetSpec.MaxTargetFileAddresses)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var files = spec.TargetFiles.Select(p => new TargetListFile(p)).ToArray();
        var errors = new List<string>();
        var counts = CountLines(files, maxAddresses, errors);
        for (var k = 0; k < files.Length; k++)
        {
            if (counts[k] > 0)
                files[k].Parse(null, 0, counts[k], errors);
        }

        return errors;
    }

    /// <summary>Whether the load keeps an address: outside the exclusions and, unless lifted, the blocklist (what a target hint may be).</summary>
    public static Func<UInt128, bool> KeepsOf(TargetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var removed = spec.Exclude.Concat(spec.AllowReserved ? [] : ReservedPrefixes.Default.Select(e => e.Prefix));
        var ranges = SubnetRanges.Normalize(removed.Select(p => new SubnetRange(p.Network, p.LastAddress))).ToArray();
        return address =>
        {
            int low = 0, high = ranges.Length;
            while (low < high)
            {
                var mid = (low + high) >>> 1;
                if (ranges[mid].Last < address)
                    low = mid + 1;
                else
                    high = mid;
            }

            return low == ranges.Length || ranges[low].First > address;
        };
    }

    // The first pass over every file: its address lines, each file counted no further than the
    // budget left (the cap less what the files before it hold), so that an endless file is refused
    // at the cap. Once the cap is passed, each further file is still checked on its own against it.
    // A file refused or over the budget has the count 0 (it is not read again).
    private static long[] CountLines(TargetListFile[] files, int maxAddresses, List<string> errors)
    {
        var counts = new long[files.Length];
        long lines = 0;
        var over = new List<string>();
        for (var k = 0; k < files.Length; k++)
        {
            var budget = over.Count == 0 ? maxAddresses - lines : maxAddresses;
            if (files[k].CountAddressLines(budget, out var error) is not { } n)
            {
                errors.Add(error!);
            }
            else if (n == 0)
            {
                errors.Add($"TargetFiles {files[k].Name} holds no address");
            }
            else if (n > budget)
            {
                over.Add(files[k].Name);
            }
            else
            {
                counts[k] = n;
                if (over.Count == 0)
                    lines += n;
            }
        }

        if (over.Count > 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"TargetFiles hold more than {maxAddresses:N0} address lines (counting stopped at the cap in {string.Join(", ", over)}); at most {maxAddresses:N0} are allowed: split the list into several scans"));
        }

        return counts;
    }

    // How many addresses of the sorted list each blocklist entry holds, each address counted once,
    // for the most specific entry that holds it ("N in PREFIX (NAME, RFC)", comma-separated), or "".
    // Prefixes either nest or are disjoint, so an entry's own count is its addresses less those of
    // the entries inside it.
    private static string ReservedCounts(ReadOnlySpan<UInt128> sorted)
    {
        var entries = ReservedPrefixes.Default;
        var own = new long[entries.Count];
        foreach (var k in Enumerable.Range(0, entries.Count).OrderByDescending(k => entries[k].Prefix.Length))
        {
            own[k] = CountIn(sorted, entries[k].Prefix);
            for (var inner = 0; inner < entries.Count; inner++)
            {
                if (inner != k && entries[inner].Prefix.Length > entries[k].Prefix.Length && entries[k].Prefix.Contains(entries[inner].Prefix))
                    own[k] -= own[inner];
            }
        }

        return string.Join(", ", Enumerable.Range(0, entries.Count).Where(k => own[k] > 0).Select(k => $"{own[k]} in {entries[k]}"));
    }

    /// <summary>The fingerprint of a sorted list: "N/sha256:" and 32 hex digits.</summary>
    public static string FingerprintOf(ReadOnlySpan<UInt128> sorted)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var bytes = MemoryMarshal.AsBytes(sorted);

        // In pieces: a span of bytes holds at most 2^31 - 1, and 10^8 addresses are 1.6 * 10^9 bytes.
        for (var at = 0; at < bytes.Length; at += 1 << 26)
            hash.AppendData(bytes.Slice(at, Math.Min(1 << 26, bytes.Length - at)));
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return string.Create(CultureInfo.InvariantCulture, $"{sorted.Length}/sha256:{Convert.ToHexStringLower(digest[..16])}");
    }

    // Drops repeats from a sorted span in place; returns how many distinct values lead it.
    private static int Distinct(Span<UInt128> sorted)
    {
        if (sorted.IsEmpty)
            return 0;
        var kept = 1;
        for (var k = 1; k < sorted.Length; k++)
        {
            if (sorted[k] != sorted[kept - 1])
                sorted[kept++] = sorted[k];
        }

        return kept;
    }

    private static int CountIn(ReadOnlySpan<UInt128> sorted, Ipv6Prefix prefix) =>
        LowerBound(sorted, prefix.LastAddress, upper: true) - LowerBound(sorted, prefix.Network, upper: false);

    // Removes every address inside the prefixes from the sorted list [0, count) in place, moving each
    // kept run once; returns how many were removed.
    private static int Remove(UInt128[] addresses, ref int count, IEnumerable<Ipv6Prefix> prefixes)
    {
        var ranges = SubnetRanges.Normalize(prefixes.Select(p => new SubnetRange(p.Network, p.LastAddress)));
        var list = addresses.AsSpan(0, count);
        var write = 0;
        var read = 0;
        foreach (var range in ranges)
        {
            var first = LowerBound(list, range.First, upper: false);
            if (first < read)
                first = read;
            var end = LowerBound(list, range.Last, upper: true);
            if (end <= first)
                continue;
            if (write != read)
                list[read..first].CopyTo(list[write..]);
            write += first - read;
            read = end;
        }

        // Nothing moves while nothing was removed before (a 1.6 GB copy onto itself otherwise).
        if (write != read)
            list[read..].CopyTo(list[write..]);
        write += list.Length - read;
        var removed = count - write;
        count = write;
        return removed;
    }

    // The first index whose value is at least (upper: greater than) the key.
    private static int LowerBound(ReadOnlySpan<UInt128> sorted, UInt128 key, bool upper)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            var mid = (int)((uint)(low + high) >> 1);
            if (sorted[mid] < key || (upper && sorted[mid] == key))
                low = mid + 1;
            else
                high = mid;
        }

        return low;
    }
}
