namespace Widescan.Contracts;

/// <summary>
/// What a scan targets: include prefixes minus exclude prefixes (and, unless lifted, the default
/// blocklist), optionally as a window scan, in the keyed order of <see cref="Seed"/>, for one shard,
/// from a cursor. Every generator yields the same sequence for the same spec.
/// </summary>
/// <remarks>
/// A scan targets either prefixes (<see cref="Include"/>) or address lists (<see cref="TargetFiles"/>),
/// never both. Without <see cref="SubnetBits"/> every address of each include prefix is a target. With it, each
/// subnet of that length inside the includes is a target set: bits [prefix length, SubnetBits) vary and
/// bits [SubnetBits, 128) come from <see cref="Iid"/>. A scan holds at most 2^64 targets.
/// </remarks>
public sealed record TargetSpec
{
    // The fix a window error names; the CLI puts its flags in its place.
    private const string RendezvousWindowFix = "set SubnetBits to 64 (and no other window in PrefixWindows)";

    /// <summary>The most targets one scan may hold.</summary>
    public static readonly UInt128 MaxTargets = UInt128.One << 64;

    /// <summary>The most addresses <see cref="TargetFiles"/> may list together (address lines, duplicates counted).</summary>
    public const int MaxTargetFileAddresses = 100_000_000;

    /// <summary>The prefixes to scan. Overlapping includes are merged: no target is visited twice.</summary>
    public IReadOnlyList<Ipv6Prefix> Include { get; init; } = [];

    /// <summary>
    /// Address lists to scan instead of <see cref="Include"/> (a hitlist): paths of text files, one
    /// address per line (an address may carry <c>/128</c>), <c>#</c> comments and blank lines skipped,
    /// at most <see cref="MaxTargetFileAddresses"/> address lines in all. The generator reads them
    /// (a host never holds the list), sorts them and drops duplicates, then removes what
    /// <see cref="Exclude"/> and the blocklist cover (counted and logged). The targets are then permuted,
    /// sharded and resumed like any target space. A list names whole addresses, so
    /// <see cref="SubnetBits"/>, <see cref="PrefixWindows"/> and <see cref="Iid"/> do not go with it.
    /// </summary>
    public IReadOnlyList<string> TargetFiles { get; init; } = [];

    /// <summary>
    /// The fingerprint the list of <see cref="TargetFiles"/> must have (<see cref="ScanState.TargetsFingerprint"/>):
    /// set by <see cref="ScanState.ResumeFrom"/>, so that a generator refuses to resume a list that
    /// changed since the state was saved. Null: any list.
    /// </summary>
    public string? TargetFilesFingerprint { get; init; }

    /// <summary>Whether this spec targets address lists (<see cref="TargetFiles"/>) rather than prefixes.</summary>
    public bool HasTargetFiles => TargetFiles is { Count: > 0 };

    /// <summary>Prefixes never to scan.</summary>
    public IReadOnlyList<Ipv6Prefix> Exclude { get; init; } = [];

    /// <summary>Window scans: the length of the subnets whose identifiers come from <see cref="Iid"/>.</summary>
    public int? SubnetBits { get; init; }

    /// <summary>
    /// Windows of single includes, overriding <see cref="SubnetBits"/> for them: how a prefix list from
    /// the RIPE import (an AGGREGATED-BY-LIR object's assignment-size) probes one address per end site
    /// while other prefixes use other windows. Once any include has a window, every include needs one;
    /// a prefix has at most one window.
    /// </summary>
    public IReadOnlyList<PrefixWindow> PrefixWindows { get; init; } = [];

    /// <summary>The identifier pattern of a window scan; required with <see cref="SubnetBits"/>.</summary>
    public IidPattern? Iid { get; init; }

    /// <summary>
    /// The key of the pseudo-random order (and of random identifiers). Cryptographically random for
    /// each new spec unless set (a copy made with <c>with</c> keeps it), so that no two hosts scan in the
    /// same order by default; the discovery module logs it at the start of a scan. Set it explicitly
    /// whenever runs must agree: every shard of one scan needs the same seed (else the shards overlap
    /// and leave gaps), and a resume needs the seed the state was saved with
    /// (<see cref="ScanState.Seed"/>; <see cref="ScanState.ResumeFrom"/> refuses another).
    /// </summary>
    public ulong Seed { get; init; } = NewSeed();

    /// <summary>Which part of the order this scan takes.</summary>
    public ShardSpec Shard { get; init; } = ShardSpec.Whole;

    /// <summary>Where in this shard's sequence to start: a cursor saved by an earlier run.</summary>
    public ulong StartCursor { get; init; }

    /// <summary>Lifts the default blocklist (<see cref="ReservedPrefixes"/>). Off unless asked for.</summary>
    public bool AllowReserved { get; init; }

    /// <summary>
    /// The number of targets before exclusions and the blocklist are subtracted: an upper bound of the
    /// keyed permutation's size (generators subtract exclusions before permuting). Saturates at
    /// <see cref="UInt128.MaxValue"/> so that an oversized spec can still be reported. With
    /// <see cref="TargetFiles"/> (not read here) it is <see cref="MaxTargetFileAddresses"/>.
    /// </summary>
    public UInt128 PlannedTargets
    {
        get
        {
            if (HasTargetFiles)
                return MaxTargetFileAddresses;
            UInt128 total = 0;
            foreach (var prefix in MergedIncludes())
            {
                // Saturate rather than wrap: the size is only reported, never iterated.
                var count = TargetsIn(prefix);
                total = UInt128.MaxValue - total < count ? UInt128.MaxValue : total + count;
            }

            return total;
        }
    }

    /// <summary>Whether this is a window scan: <see cref="SubnetBits"/> or any <see cref="PrefixWindows"/> is set.</summary>
    public bool HasWindows => SubnetBits is not null || PrefixWindows.Count > 0;

    /// <summary>The window of an include: its own, else <see cref="SubnetBits"/>, else null (every address).</summary>
    public int? WindowOf(Ipv6Prefix prefix)
    {
        // A handful of windows, read once per include when a plan is made: a scan, not a lookup table.
        foreach (var window in PrefixWindows)
        {
            if (window.Prefix == prefix)
                return window.SubnetBits;
        }

        return SubnetBits;
    }

    /// <summary>The includes with those inside another include dropped, in address order.</summary>
    public IReadOnlyList<Ipv6Prefix> MergedIncludes()
    {
        var sorted = Include.Distinct().OrderBy(p => p.Network).ThenBy(p => p.Length).ToList();
        var merged = new List<Ipv6Prefix>(sorted.Count);
        foreach (var prefix in sorted)
        {
            if (merged.Count > 0 && merged[^1].Contains(prefix))
                continue;
            merged.Add(prefix);
        }

        return merged;
    }

    /// <summary>A new cryptographically random seed: what <see cref="Seed"/> is unless set.</summary>
    public static ulong NewSeed()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }

    /// <summary>Every problem with the spec, each a sentence that names the fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (HasTargetFiles)
            ValidateTargetFiles(errors);
        else if (Include is null || Include.Count == 0)
            errors.Add("no target prefix: give at least one prefix in Include, or address lists in TargetFiles");
        if (!Shard.IsValid)
            errors.Add($"shard {Shard.Index}/{Shard.Count} is invalid: the index must be 0 to N-1 and N at least 1");

        if (SubnetBits is { } bits && bits is < 1 or > 128)
            errors.Add($"subnet bits {bits} out of range (1-128)");
        foreach (var group in PrefixWindows.GroupBy(w => w.Prefix).Where(g => g.Select(w => w.SubnetBits).Distinct().Count() > 1))
            errors.Add($"PrefixWindows gives {group.Key} more than one window ({string.Join(", ", group.Select(w => "/" + w.SubnetBits))}): give it one");
        foreach (var (prefix, window) in PrefixWindows)
        {
            if (Include?.Contains(prefix) != true)
                errors.Add($"a window is given for {prefix}, which is not an include prefix");
            if (window < prefix.Length || window > 128)
                errors.Add($"the window /{window} of {prefix} must be between its length and 128");
        }

        if (HasWindows)
        {
            if (Iid is null)
            {
                errors.Add(SubnetBits is { } b
                    ? $"SubnetBits {b} needs an IID pattern in Iid (::1, low:1-ff, random, eui64:OUI, ipv4:PREFIX)"
                    : "windowed prefixes need an IID pattern in Iid (::1, low:1-ff, random, eui64:OUI, ipv4:PREFIX)");
            }

            foreach (var prefix in Include ?? [])
            {
                if (WindowOf(prefix) is not { } window)
                    errors.Add($"prefix {prefix} has no window while others have one: set SubnetBits, or a window for every prefix in PrefixWindows");
                else if (prefix.Length > window)
                    errors.Add($"prefix {prefix} is longer than the subnet window /{window}: shorten the window or the prefix");
            }

            if (Iid?.Kind == IidPatternKind.Rendezvous)
            {
                // Members claim one address per /64 and slot: any other window would probe addresses no member holds.
                foreach (var prefix in Include ?? [])
                {
                    if (WindowOf(prefix) is { } window && window != 64)
                        errors.Add($"rendezvous addresses live in /64s, and prefix {prefix} has the window /{window}: {RendezvousWindowFix}");
                }
            }

            var windows = (Include ?? []).Select(WindowOf).OfType<int>().Where(w => w is >= 1 and <= 128).Distinct();
            foreach (var window in windows)
            {
                if (Iid is not null && Iid.RequiredBits > 128 - window)
                    errors.Add($"IID pattern {Iid} needs {Iid.RequiredBits} bits but /{window} leaves {128 - window}");
            }
        }
        else if (Iid is not null && !HasTargetFiles)
        {
            errors.Add($"IID pattern {Iid} needs a subnet window (SubnetBits)");
        }

        if (errors.Count == 0)
        {
            var planned = PlannedTargets;
            if (planned > MaxTargets)
                errors.Add($"the scan holds {planned} targets (about 2^{128 - (int)UInt128.LeadingZeroCount(planned - 1)}); at most 2^64 are allowed: narrow the prefixes or use a subnet window");
            else if (StartCursor > 0 && ShardTargets(planned) < StartCursor)
                errors.Add($"start cursor {StartCursor} is past the end of shard {Shard} ({ShardTargets(planned)} positions)");
        }

        return errors;
    }

    // A list names whole addresses: the window options shape prefixes, and prefixes are the other kind of run.
    private void ValidateTargetFiles(List<string> errors)
    {
        if (Include is { Count: > 0 })
            errors.Add("Include and TargetFiles do not go together: a scan targets either prefixes or address lists");
        if (HasWindows || Iid is not null)
            errors.Add("TargetFiles lists whole addresses: SubnetBits, PrefixWindows and Iid have no meaning with it");
        for (var k = 0; k < TargetFiles.Count; k++)
        {
            if (string.IsNullOrWhiteSpace(TargetFiles[k]))
                errors.Add($"TargetFiles[{k}] is empty: give the path of an address list");
            else if (TargetFiles[k].Contains('\0', StringComparison.Ordinal))
                errors.Add($"TargetFiles[{k}] '{InputText.Excerpt(TargetFiles[k])}' holds a NUL character, which no file path can: give the path of an address list");
        }
    }

    /// <summary>Throws when <see cref="Validate"/> finds anything, listing every problem at once.</summary>
    /// <exception cref="TargetSpecException">The spec is invalid.</exception>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new TargetSpecException(errors);
    }

    private UInt128 ShardTargets(UInt128 planned)
    {
        var n = (UInt128)(uint)Shard.Count;
        var i = (UInt128)(uint)Shard.Index;
        return planned <= i ? 0 : (planned - i + n - 1) / n;
    }

    private UInt128 TargetsIn(Ipv6Prefix prefix)
    {
        if (WindowOf(prefix) is not { } bits || Iid is null)
            return prefix.Length == 0 ? UInt128.MaxValue : prefix.Size;
        var subnetBits = bits - prefix.Length;
        var perSubnet = Iid.CountPerSubnet;
        if (subnetBits >= 128 || perSubnet > (UInt128.MaxValue >> subnetBits))
            return UInt128.MaxValue;
        return perSubnet << subnetBits;
    }
}

/// <summary>A <see cref="TargetSpec"/> failed validation; <see cref="Errors"/> lists every problem.</summary>
public sealed class TargetSpecException : ArgumentException
{
    /// <summary>Creates the exception from the list of problems.</summary>
    public TargetSpecException(IReadOnlyList<string> errors)
        : base("invalid target spec: " + string.Join("; ", errors)) => Errors = errors;

    /// <summary>Every problem found, one sentence each.</summary>
    public IReadOnlyList<string> Errors { get; }
}
