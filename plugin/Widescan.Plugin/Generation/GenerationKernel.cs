using ILGPU;
using Widescan.Plugin.Targets;

namespace Widescan.Plugin.Generation;

/// <summary>An address as the kernel writes it: the memory layout of <see cref="UInt128"/> on a little-endian host.</summary>
internal struct Address128
{
    /// <summary>The low 64 bits.</summary>
    public ulong Lo;

    /// <summary>The high 64 bits.</summary>
    public ulong Hi;
}

/// <summary>A table in accelerator memory (the kernel side of <see cref="ITable{T}"/>).</summary>
/// <typeparam name="T">The element type.</typeparam>
internal readonly struct ViewTable<T>(ArrayView<T> view) : ITable<T>
    where T : unmanaged
{
    /// <summary>The view.</summary>
    public ArrayView<T> View { get; } = view;

    /// <inheritdoc />
    public T this[int index] => View[index];
}

/// <summary>The GPU kernel: thread i writes the target of sequence number first + i, with the CPU generator's own code.</summary>
internal static class GenerationKernel
{
    /// <summary>The kernel entry point (static, structs only, as ILGPU requires).</summary>
    public static void Fill(
        Index1D i, ScanPlan plan, ulong first, ArrayView<Address128> output,
        ViewTable<TargetSegment> segments, ViewTable<uint> ouis, ViewTable<Address128> list)
    {
        ScanPlan.Target(plan, segments, ouis, list, first + (ulong)i.X, out var hi, out var lo);
        output[i] = new Address128 { Lo = lo, Hi = hi };
    }
}
