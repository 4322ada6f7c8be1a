using Widescan.Contracts;
using Widescan.Plugin.Generation;

namespace Widescan.Plugin.Targets;

/// <summary>
/// The targets of a <see cref="TargetSpec"/> as a dense index space [0, N): the merged includes minus
/// the exclusions and the blocklist, cut into segments indexed by prefix sums, each index mapping to one
/// target without state. Building it costs time and memory in the number of prefixes, never their size.
/// </summary>
/// <remarks>
/// A spec of <see cref="TargetSpec.TargetFiles"/> is a list space instead: the <see cref="TargetList"/>
/// (sorted, distinct, exclusions removed) in <see cref="List"/>, index k its k-th address, through the
/// same permutation, shards and cursor as any space (<see cref="IidFill.List"/> in the mapping).
/// Exclusions as long as the subnet window or shorter remove whole subnets and are subtracted up front,
/// so positions stay dense. Exclusions longer than the window (a /128 inside a /64 window, say) remove
/// identifiers inside a subnet; those are kept in <see cref="PartialExclusions"/> and the stream skips
/// the targets they hold (the cursor still advances), a bounded amount of work.
/// </remarks>
internal sealed class TargetSpace
{
    private readonly UInt128[] partialFirst;
    private readonly UInt128[] partialLast;

    // A prefix space's stand-in list: the kernel takes a list table whatever the space.
    private static readonly UInt128[] NoList = GC.AllocateArray<UInt128>(1, pinned: true);

    private TargetSpace(TargetLayout layout, TargetSegment[] segments, uint[] ouis, UInt128 count,
        List<SubnetRange> partial, IReadOnlyList<string> warnings, TargetList? list = null)
    {
        List = list?.Addresses ?? NoList;
        ListCount = list?.Count ?? 0;
        ListFingerprint = list?.Fingerprint;
        ListSummary = list?.Summary;
        Layout = layout;
        Segments = segments;
        Ouis = ouis;
        Count = count;
        partialFirst = partial.Select(r => r.First).ToArray();
        partialLast = partial.Select(r => r.Last).ToArray();
        Warnings = warnings;
    }

    /// <summary>The window shape and IID pattern in kernel form.</summary>
    public TargetLayout Layout { get; }

    /// <summary>The segments, pinned so that the CPU path can read them through a pointer.</summary>
    public TargetSegment[] Segments { get; }

    /// <summary>The OUIs of an EUI-64 pattern (one unused entry otherwise), pinned.</summary>
    public uint[] Ouis { get; }

    /// <summary>The addresses of a list space, sorted, in [0, <see cref="ListCount"/>); one unused entry otherwise. Pinned.</summary>
    public UInt128[] List { get; }

    /// <summary>How many addresses <see cref="List"/> holds (0 for a prefix space).</summary>
    public int ListCount { get; }

    /// <summary>The list's fingerprint (<see cref="TargetList.Fingerprint"/>), null for a prefix space.</summary>
    public string? ListFingerprint { get; }

    /// <summary>The list's load, in one line for the log; null for a prefix space.</summary>
    public string? ListSummary { get; }

    /// <summary>N: the number of indexes, at most 2^64.</summary>
    public UInt128 Count { get; }

    /// <summary>Whether any exclusion falls inside a subnet, so that targets must be checked one by one.</summary>
    public bool HasPartialExclusions => partialFirst.Length > 0;

    /// <summary>The ranges of addresses excluded inside subnets, sorted and merged.</summary>
    public int PartialExclusions => partialFirst.Length;

    /// <summary>What the user should know: includes that yield nothing and why.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Builds the space of a spec.</summary>
    /// <exception cref="TargetSpecException">The spec is invalid.</exception>
    public static TargetSpace Build(TargetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.HasTargetFiles)
            return BuildList(spec);
        spec.EnsureValid();
        var warnings = new List<string>();
        var includes = spec.MergedIncludes();

        var blocked = new List<(Ipv6Prefix Prefix, string Why)>();
        foreach (var prefix in spec.Exclude)
            blocked.Add((prefix, $"excluded prefix {prefix}"));
        if (!spec.AllowReserved)
        {
            foreach (var entry in ReservedPrefixes.Default)
                blocked.Add((entry.Prefix, $"blocklist entry {entry} (lift it with AllowReserved)"));
        }

        foreach (var include in includes)
        {
            var cover = blocked.FirstOrDefault(b => b.Prefix.Contains(include));
            if (cover.Why is not null)
                warnings.Add($"prefix {include} lies entirely inside the {cover.Why}: it yields no targets");
        }

        // Includes of one window share subnet numbers; each window is subtracted and laid out on its own.
        var pieces = new List<(SubnetRange Range, int HostShift)>();
        var partial = new List<SubnetRange>();
        foreach (var group in includes.GroupBy(p => spec.WindowOf(p) ?? 128))
        {
            var window = group.Key;
            var hostShift = 128 - window;
            var whole = new List<SubnetRange>();
            foreach (var (prefix, _) in blocked)
            {
                if (!group.Any(i => i.Overlaps(prefix)))
                    continue;
                if (prefix.Length <= window)
                    whole.Add(new SubnetRange(prefix.Network >> hostShift, prefix.LastAddress >> hostShift));
                else
                    partial.Add(new SubnetRange(prefix.Network, prefix.LastAddress));
            }

            var ranges = SubnetRanges.Subtract(
                SubnetRanges.Normalize(group.Select(p => new SubnetRange(p.Network >> hostShift, p.LastAddress >> hostShift))),
                SubnetRanges.Normalize(whole));
            pieces.AddRange(ranges.Select(r => (r, hostShift)));
        }

        pieces.Sort((x, y) => (x.Range.First << x.HostShift).CompareTo(y.Range.First << y.HostShift));
        var layout = LayoutOf(spec);
        var perSubnet = spec.Iid?.CountPerSubnet ?? UInt128.One;
        var segments = GC.AllocateArray<TargetSegment>(Math.Max(1, pieces.Count), pinned: true);
        UInt128 total = 0;
        for (var k = 0; k < pieces.Count; k++)
        {
            var (range, hostShift) = pieces[k];
            var baseAddress = range.First << hostShift;
            var mask = hostShift == 0 ? UInt128.Zero : UInt128.MaxValue >> (128 - hostShift);
            segments[k] = new TargetSegment
            {
                BaseHi = (ulong)(baseAddress >> 64),
                BaseLo = (ulong)baseAddress,
                Start = (ulong)total,
                HostShift = hostShift,
                IidMaskHi = (ulong)(mask >> 64),
                IidMaskLo = (ulong)mask,
            };
            total += range.Count * (hostShift == 0 ? UInt128.One : perSubnet);
        }

        layout.SegmentCount = Math.Max(1, pieces.Count);
        var ouiList = spec.Iid?.Kind == IidPatternKind.Eui64 ? spec.Iid.Ouis : [];
        var ouis = GC.AllocateArray<uint>(Math.Max(1, ouiList.Count), pinned: true);
        for (var k = 0; k < ouiList.Count; k++)
            ouis[k] = ouiList[k];

        return new TargetSpace(layout, segments, ouis, total, SubnetRanges.Normalize(partial), warnings);
    }

    // A list space: one stand-in segment and OUI, the list itself, refused when a resume expects another
    // list. A spec with other errors (a bad shard) still has its files checked, so that one run names both.
    private static TargetSpace BuildList(TargetSpec spec)
    {
        var errors = spec.Validate();
        if (errors.Count > 0)
        {
            // A blank path or one with a NUL (already named by Validate) is not opened.
            var usable = spec.TargetFiles.All(p => !string.IsNullOrWhiteSpace(p) && !p.Contains('\0', StringComparison.Ordinal));
            throw new TargetSpecException(usable ? [.. errors, .. TargetList.Check(spec)] : errors);
        }

        var list = TargetList.Load(spec);
        if (spec.TargetFilesFingerprint is { } expected && expected != list.Fingerprint)
        {
            throw new TargetSpecException([
                $"TargetFiles: the list differs from the one the saved state was taken of (saved: {expected}; now: {list.Fingerprint}): resume with the same list, or start a new state"]);
        }

        var layout = new TargetLayout { Fill = IidFill.List, SegmentCount = 1 };
        var segments = GC.AllocateArray<TargetSegment>(1, pinned: true);
        var ouis = GC.AllocateArray<uint>(1, pinned: true);
        return new TargetSpace(layout, segments, ouis, (UInt128)list.Count, [], list.Warnings, list);
    }

    /// <summary>The target at an index (not for hot paths: the stream calls <see cref="TargetMapping"/> directly).</summary>
    public unsafe UInt128 TargetAt(ulong index)
    {
        if (index >= Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"the space holds {Count} targets");
        fixed (TargetSegment* segments = Segments)
        fixed (uint* ouis = Ouis)
        fixed (UInt128* list = List)
        {
            var layout = Layout;
            TargetMapping.Map(layout, new PinnedTable<TargetSegment>(segments), new PinnedTable<uint>(ouis), new PinnedTable<Address128>((Address128*)list), index, out var hi, out var lo);
            return new UInt128(hi, lo);
        }
    }

    /// <summary>Whether an exclusion inside a subnet holds the address.</summary>
    public bool IsPartiallyExcluded(UInt128 address)
    {
        var k = Array.BinarySearch(partialFirst, address);
        if (k >= 0)
            return true;
        k = ~k - 1;
        return k >= 0 && address <= partialLast[k];
    }

    private static TargetLayout LayoutOf(TargetSpec spec)
    {
        var perSubnet = spec.Iid?.CountPerSubnet ?? UInt128.One;
        var layout = new TargetLayout { PerSubnetShift = -1, Fill = IidFill.Offset };
        if (UInt128.IsPow2(perSubnet))
            layout.PerSubnetShift = (int)UInt128.Log2(perSubnet);
        else
            layout.PerSubnet = (ulong)perSubnet;

        var iid = spec.Iid;
        if (iid is null)
            return layout;
        switch (iid.Kind)
        {
            case IidPatternKind.Fixed or IidPatternKind.LowRange:
                layout.FirstHi = (ulong)(iid.First >> 64);
                layout.FirstLo = (ulong)iid.First;
                break;
            case IidPatternKind.Ipv4Embedded:
                layout.FirstLo = iid.Ipv4Network;
                break;
            case IidPatternKind.Eui64:
                layout.Fill = IidFill.Eui64;
                break;
            case IidPatternKind.Rendezvous:
                layout.Fill = IidFill.Rendezvous;
                layout.RendezvousSlots = (ulong)iid.RendezvousSlots;
                (layout.RendezvousK0, layout.RendezvousK1) = RendezvousIid.Keys(iid.RendezvousSecret.Span);
                if (!iid.RendezvousNextSecret.IsEmpty)
                    (layout.NextK0, layout.NextK1) = RendezvousIid.Keys(iid.RendezvousNextSecret.Span);
                break;
            case IidPatternKind.Random:
                layout.Fill = IidFill.Random;
                var state = spec.Seed ^ 0x5753_434E_5241_4E44UL; // "WSCNRAND": independent of the order's keys
                layout.RandomKey0 = Generation.FeistelPermutation.SplitMix(ref state);
                layout.RandomKey1 = Generation.FeistelPermutation.SplitMix(ref state);
                break;
        }

        return layout;
    }
}

/// <summary>A table in pinned host memory, read through a pointer (the CPU side of <see cref="ITable{T}"/>).</summary>
/// <typeparam name="T">The element type.</typeparam>
internal readonly unsafe struct PinnedTable<T>(T* items) : ITable<T>
    where T : unmanaged
{
    /// <inheritdoc />
    public T this[int index] => items[index];
}
