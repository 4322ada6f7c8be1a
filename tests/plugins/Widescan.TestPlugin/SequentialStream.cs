using Widescan.Contracts;

namespace Widescan.TestPlugin;

/// <summary>One shard of a plain spec, walked in address order across the merged includes.</summary>
internal sealed class SequentialStream : IAddressStream
{
    private readonly Ipv6Prefix[] includes;
    private readonly Ipv6Prefix[] excludes;
    private readonly bool allowReserved;
    private readonly ulong shardIndex;
    private readonly ulong shardCount;

    public SequentialStream(TargetSpec spec)
    {
        includes = [.. spec.MergedIncludes()];
        excludes = [.. spec.Exclude];
        allowReserved = spec.AllowReserved;
        shardIndex = (ulong)spec.Shard.Index;
        shardCount = (ulong)spec.Shard.Count;

        // Validation caps a scan at 2^64 targets; a whole 2^64 still fits the last position as ulong.
        var planned = spec.PlannedTargets;
        var total = planned >= TargetSpec.MaxTargets ? ulong.MaxValue : (ulong)planned;
        Positions = total <= shardIndex ? 0 : ((total - shardIndex - 1) / shardCount) + 1;
        Cursor = spec.StartCursor;
    }

    public ulong Positions { get; }

    public ulong Cursor { get; private set; }

    public int Fill(Span<UInt128> batch)
    {
        var written = 0;
        while (written < batch.Length && Cursor < Positions)
        {
            var address = AddressAt(shardIndex + (Cursor * shardCount));
            Cursor++;
            if (IsSkipped(address))
                continue;
            batch[written++] = address;
        }

        return written;
    }

    public void Dispose()
    {
    }

    private UInt128 AddressAt(ulong index)
    {
        UInt128 rest = index;
        foreach (var prefix in includes)
        {
            if (prefix.Length == 0 || rest < prefix.Size)
                return prefix.Network + rest;
            rest -= prefix.Size;
        }

        throw new InvalidOperationException($"position {index} lies past the last include");
    }

    private bool IsSkipped(UInt128 address)
    {
        foreach (var prefix in excludes)
        {
            if (prefix.Contains(address))
                return true;
        }

        return !allowReserved && ReservedPrefixes.Find(address) is not null;
    }
}
