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
    /// <exception cref="TargetSpecException">A file cannot be read, is binary, holds bad lines, or the files hold too many addresses.</exception>
    public static TargetList Load(TargetSpec spec, int maxAddresses = TargetSpec.MaxTargetFileAddresses)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var clock = Stopwatch.StartNew();
        var files = spec.TargetFiles.Select(p => new TargetListFile(p)).ToArray();
        var errors = new List<string>();
        long lines = 0;
        foreach (var file in files)
        {
            if (file.CountAddressLines(out var error) is { } n)
            {
                lines += n;
                if (n == 0)
                    errors.Add($"TargetFiles {file.Name} holds no address");
            }
            else
            {
                errors.Add(error!);
            }
        }

        if (lines > maxAddresses)
            errors.Add($"TargetFiles hold {lines.ToString("N0", CultureInfo.InvariantCulture)} address lines; at most {maxAddresses.ToString("N0", CultureInfo.InvariantCulture)} are allowed: split the list into several scans");
        if (errors.Count > 0)
            throw new TargetSpecException(errors);

        // Uninitialised: every element below the count is written before it is read.
        var addresses = GC.AllocateUninitializedArray<UInt128>((int)Math.Max(1, lines), pinned: true);
        long written = 0;
        foreach (var file in files)
            file.Parse(addresses, ref written, errors, out _);
        if (errors.Count > 0)
            throw new TargetSpecException(errors);

        var span = addresses.AsSpan(0, (int)written);
        span.Sort();
        var distinct = Distinct(span);
        var warnings = new List<string>();
        var count = distinct;
        var excluded = Remove(addresses, ref count, spec.Exclude);
        if (excluded > 0)
            warnings.Add($"{excluded} addresses of the targets files lie in excluded prefixes (Exclude): they are not scanned");
        var blocked = 0;
        if (!spec.AllowReserved)
        {
            var hits = new List<string>();
            foreach (var entry in ReservedPrefixes.Default)
            {
                var n = CountIn(addresses.AsSpan(0, count), entry.Prefix);
                if (n > 0)
                    hits.Add($"{n} in {entry}");
            }

            blocked = Remove(addresses, ref count, ReservedPrefixes.Default.Select(e => e.Prefix));
            if (blocked > 0)
                warnings.Add($"{blocked} addresses of the targets files lie in the blocklist ({string.Join(", ", hits)}): they are not scanned (AllowReserved lifts the blocklist, for labs)");
        }

        if (count == 0)
            warnings.Add("the targets files yield no targets: every address is excluded or blocked");
        var fingerprint = FingerprintOf(addresses.AsSpan(0, count));
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{files.Length} targets file(s): {written} address lines, {(int)written - distinct} duplicates, {excluded} excluded, {blocked} blocked: {count} targets in {clock.Elapsed.TotalSeconds:F2} s (fingerprint {fingerprint})");
        return new TargetList(addresses, count, fingerprint, warnings, summary);
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
            list[read..first].CopyTo(list[write..]);
            write += first - read;
            read = end;
        }

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
