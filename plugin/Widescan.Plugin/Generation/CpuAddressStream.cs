using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Widescan.Contracts;
using Widescan.Plugin.Targets;

namespace Widescan.Plugin.Generation;

/// <summary>
/// The CPU generator's stream: every thread computes its part of a batch with <see cref="ScanPlan"/>,
/// the permutation vectorised eight (AVX-512) or four (AVX2) positions at a time.
/// </summary>
internal sealed unsafe class CpuAddressStream : AddressStreamBase
{
    // Positions are permuted into a stack block this long, then mapped; 64 keeps it in L1.
    private const int Block = 64;

    private readonly FillWorkers workers;
    private readonly TargetSegment* segments;
    private readonly uint* ouis;
    private readonly Address128* list;

    /// <summary>Opens the stream; threads is how many threads fill a batch.</summary>
    public CpuAddressStream(TargetSpec spec, int threads)
        : base(spec)
    {
        // The space's tables are allocated pinned for the stream's lifetime, so raw pointers are safe.
        segments = (TargetSegment*)Unsafe.AsPointer(ref Space.Segments[0]);
        ouis = (uint*)Unsafe.AsPointer(ref Space.Ouis[0]);
        list = (Address128*)Unsafe.AsPointer(ref Space.List[0]);
        workers = new FillWorkers(threads, FillRange);
    }

    /// <summary>How many threads fill a batch.</summary>
    public int Threads => workers.Threads;

    /// <inheritdoc />
    protected override void Generate(ulong first, Span<UInt128> run) => workers.Run(first, run);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            workers.Dispose();
    }

    private void FillRange(ulong first, Span<UInt128> target)
    {
        var plan = Plan;
        var segmentTable = new PinnedTable<TargetSegment>(segments);
        var ouiTable = new PinnedTable<uint>(ouis);
        var listTable = new PinnedTable<Address128>(list);
        var indexes = stackalloc ulong[Block];
        var done = 0;
        while (done < target.Length)
        {
            var count = Math.Min(Block, target.Length - done);
            Permute(plan, first + (ulong)done, indexes, count);
            var slice = target.Slice(done, count);
            for (var k = 0; k < slice.Length; k++)
            {
                TargetMapping.Map(plan.Layout, segmentTable, ouiTable, listTable, indexes[k], out var hi, out var lo);
                slice[k] = new UInt128(hi, lo);
            }

            done += count;
        }
    }

    /// <summary>The indexes of count sequence numbers from first, as <see cref="ScanPlan.Target{TSegments, TOuis, TList}"/> computes them.</summary>
    private static void Permute(in ScanPlan plan, ulong first, ulong* indexes, int count)
    {
        var k = 0;
        var step = plan.ShardCount;
        var start = plan.ShardIndex + first * step;
        if (Vector512.IsHardwareAccelerated)
        {
            var lanes = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7) * step;
            for (; k + 8 <= count; k += 8)
            {
                var positions = Vector512.Create(start + (ulong)k * step) + lanes;
                FeistelVector.Permute(plan.Order, positions).Store(indexes + k);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var lanes = Vector256.Create(0UL, 1, 2, 3) * step;
            for (; k + 4 <= count; k += 4)
            {
                var positions = Vector256.Create(start + (ulong)k * step) + lanes;
                FeistelVector.Permute(plan.Order, positions).Store(indexes + k);
            }
        }

        for (; k < count; k++)
            indexes[k] = FeistelPermutation.Permute(plan.Order, start + (ulong)k * step);
    }
}
