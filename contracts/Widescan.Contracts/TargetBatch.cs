namespace Widescan.Contracts;

/// <summary>
/// A batch of targets on its way from a generator to a broadcaster through a bounded channel. Batches
/// are reused: the broadcaster hands each one back (through the "completed" channel) once every probe
/// of its targets is sent, and the discovery module refills it, so a scan allocates a fixed number of
/// batches whatever its size.
/// </summary>
public sealed class TargetBatch
{
    /// <summary>Creates an empty batch of the given capacity.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The capacity is less than 1.</exception>
    public TargetBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Buffer = new UInt128[capacity];
    }

    /// <summary>The storage; the first <see cref="Count"/> entries are the targets.</summary>
    public UInt128[] Buffer { get; }

    /// <summary>How many targets the batch holds.</summary>
    public int Count { get; set; }

    /// <summary>
    /// The generator's cursor after this batch: once the batch is completed, a scan resumed from this
    /// cursor sends nothing twice and skips nothing.
    /// </summary>
    public ulong CursorAfter { get; set; }

    /// <summary>The targets.</summary>
    public ReadOnlySpan<UInt128> Targets => Buffer.AsSpan(0, Count);
}
