using Widescan.Contracts;
using Widescan.Plugin.Targets;

namespace Widescan.Plugin.Generation;

/// <summary>
/// The shard and cursor bookkeeping every built-in generator shares: positions, the cursor, and the
/// skipping of targets that an exclusion inside a subnet holds. A derived stream only computes the
/// targets of a run of sequence numbers.
/// </summary>
internal abstract class AddressStreamBase : IAddressStream
{
    /// <summary>Opens the stream of a spec at its start cursor.</summary>
    /// <exception cref="TargetSpecException">The spec is invalid, or its cursor lies past the end of its shard.</exception>
    protected AddressStreamBase(TargetSpec spec)
    {
        Space = TargetSpace.Build(spec);
        if (Space.ListSummary is { } summary)
            GenerationLog.Logger.Information("Target space: {Summary}", summary);
        foreach (var warning in Space.Warnings)
            GenerationLog.Logger.Warning("Target space: {Warning}", warning);
        Plan = ScanPlan.Create(Space, spec, out positions);
        if (spec.StartCursor > positions)
            throw new TargetSpecException([$"start cursor {spec.StartCursor} is past the end of shard {spec.Shard} ({positions} positions after exclusions)"]);
        cursor = spec.StartCursor;
    }

    // Kept in 128 bits: one shard of a whole /64 holds 2^64 positions, one more than a ulong counts.
    private readonly UInt128 positions;
    private UInt128 cursor;

    /// <inheritdoc />
    /// <remarks>A shard of 2^64 positions reports <see cref="ulong.MaxValue"/>.</remarks>
    public ulong Positions => Saturate(positions);

    /// <inheritdoc />
    /// <remarks>Saturates at <see cref="ulong.MaxValue"/> in a shard of 2^64 positions.</remarks>
    public ulong Cursor => Saturate(cursor);

    /// <inheritdoc />
    public string? TargetsFingerprint => Space.ListFingerprint;

    /// <inheritdoc />
    public IReadOnlyList<string> Warnings => Space.Warnings;

    /// <summary>The target space.</summary>
    protected TargetSpace Space { get; }

    /// <summary>The shard's sequence.</summary>
    protected ScanPlan Plan { get; }

    /// <inheritdoc />
    public int Fill(Span<UInt128> batch)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var written = 0;
        while (written < batch.Length && cursor < positions)
        {
            var count = (int)UInt128.Min((UInt128)(batch.Length - written), positions - cursor);
            var run = batch.Slice(written, count);
            Generate((ulong)cursor, run);
            cursor += (ulong)count;
            written += Space.HasPartialExclusions ? DropExcluded(run) : count;
        }

        return written;
    }

    /// <summary>Moves the cursor (a resume without reopening; the benchmarks replay a small space with it).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The cursor is past the end of the shard.</exception>
    internal void Seek(ulong position)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((UInt128)position, positions);
        cursor = position;
    }

    /// <summary>Writes the targets of sequence numbers first, first + 1, ... into the run.</summary>
    protected abstract void Generate(ulong first, Span<UInt128> run);

    /// <summary>Whether <see cref="Dispose()"/> ran.</summary>
    protected bool IsDisposed { get; private set; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (IsDisposed)
            return;
        IsDisposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the stream holds.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    private static ulong Saturate(UInt128 value) => value > ulong.MaxValue ? ulong.MaxValue : (ulong)value;

    private int DropExcluded(Span<UInt128> run)
    {
        var kept = 0;
        foreach (var target in run)
        {
            if (!Space.IsPartiallyExcluded(target))
                run[kept++] = target;
        }

        return kept;
    }
}
