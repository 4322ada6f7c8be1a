using Widescan.Contracts;
using Widescan.Plugin.Targets;

namespace Widescan.Plugin.Generation;

/// <summary>
/// One shard's sequence: sequence number k is position i + k * n of the keyed permutation (shard i of
/// n), whose index maps to a target. Plain fields and static methods: the CPU generator and the GPU
/// kernel both call <see cref="Target{TSegments, TOuis, TList}"/>, so their output is identical by construction.
/// </summary>
internal struct ScanPlan
{
    /// <summary>The keyed order of [0, N).</summary>
    public FeistelPermutation Order;

    /// <summary>How indexes map to targets.</summary>
    public TargetLayout Layout;

    /// <summary>This shard's index i and the shard count n.</summary>
    public ulong ShardIndex, ShardCount;

    /// <summary>Creates the plan of a space for a spec's seed and shard; positions is how many sequence numbers the shard holds (2^64 for a whole /64 in one shard).</summary>
    public static ScanPlan Create(TargetSpace space, TargetSpec spec, out UInt128 positions)
    {
        var n = (UInt128)(uint)spec.Shard.Count;
        var i = (UInt128)(uint)spec.Shard.Index;
        positions = space.Count <= i ? 0 : (space.Count - i + n - 1) / n;
        return new ScanPlan
        {
            Order = FeistelPermutation.Create(space.Count == 0 ? 0 : (ulong)(space.Count - 1), spec.Seed),
            Layout = space.Layout,
            ShardIndex = (ulong)i,
            ShardCount = (ulong)n,
        };
    }

    /// <summary>The target at a sequence number of this shard.</summary>
    public static void Target<TSegments, TOuis, TList>(
        in ScanPlan plan, TSegments segments, TOuis ouis, TList list, ulong sequence, out ulong hi, out ulong lo)
        where TSegments : struct, ITable<TargetSegment>
        where TOuis : struct, ITable<uint>
        where TList : struct, ITable<Address128>
    {
        var index = FeistelPermutation.Permute(plan.Order, plan.ShardIndex + sequence * plan.ShardCount);
        TargetMapping.Map(plan.Layout, segments, ouis, list, index, out hi, out lo);
    }
}
