using Widescan.Plugin.Generation;

namespace Widescan.Plugin.Targets;

/// <summary>Read access to a table the mapping needs: host memory on the CPU, a device view in a kernel.</summary>
/// <typeparam name="T">The element type.</typeparam>
internal interface ITable<T>
    where T : unmanaged
{
    /// <summary>The element at an index.</summary>
    T this[int index] { get; }
}

/// <summary>
/// Maps an index of [0, N) to its target address, written once for the CPU generator and the GPU kernel:
/// static methods over plain structs and 64-bit halves (no UInt128, which ILGPU cannot compile).
/// </summary>
internal static class TargetMapping
{
    /// <summary>The target at an index: high and low 64 bits of the address.</summary>
    public static void Map<TSegments, TOuis, TList>(
        in TargetLayout layout, TSegments segments, TOuis ouis, TList list, ulong index, out ulong hi, out ulong lo)
        where TSegments : struct, ITable<TargetSegment>
        where TOuis : struct, ITable<uint>
        where TList : struct, ITable<Address128>
    {
        if (layout.Fill == IidFill.List)
        {
            // A list holds at most TargetSpec.MaxTargetFileAddresses, so its index fits an int.
            var address = list[(int)index];
            hi = address.Hi;
            lo = address.Lo;
            return;
        }

        var segment = segments[FindSegment(segments, layout.SegmentCount, index)];
        var local = index - segment.Start;

        ulong subnet, iid;
        if (layout.PerSubnetShift >= 64)
        {
            subnet = 0;
            iid = local;
        }
        else if (layout.PerSubnetShift >= 0)
        {
            subnet = local >> layout.PerSubnetShift;
            iid = local & ((1UL << layout.PerSubnetShift) - 1);
        }
        else
        {
            subnet = local / layout.PerSubnet;
            iid = local - subnet * layout.PerSubnet;
        }

        ShiftLeft(subnet, segment.HostShift, out var offsetHi, out var offsetLo);
        Add(segment.BaseHi, segment.BaseLo, offsetHi, offsetLo, out hi, out lo);

        ulong iidHi, iidLo;
        if (layout.Fill == IidFill.Random)
        {
            var a = FeistelPermutation.Mix(lo ^ FeistelPermutation.Mix(hi ^ layout.RandomKey0));
            var b = FeistelPermutation.Mix(a ^ layout.RandomKey1);
            iidHi = b & segment.IidMaskHi;
            iidLo = a & segment.IidMaskLo;
        }
        else if (layout.Fill == IidFill.Rendezvous)
        {
            // The window is /64, so hi is the /64 itself and lo is zero before the identifier is added.
            var next = iid >= layout.RendezvousSlots;
            iidHi = 0;
            iidLo = next
                ? RendezvousIid.Iid(layout.NextK0, layout.NextK1, hi, iid - layout.RendezvousSlots)
                : RendezvousIid.Iid(layout.RendezvousK0, layout.RendezvousK1, hi, iid);
        }
        else if (layout.Fill == IidFill.Eui64)
        {
            iidHi = 0;
            iidLo = Eui64.FromOui(ouis[(int)(iid >> 24)], (uint)iid & 0xFF_FFFF);
        }
        else
        {
            Add(layout.FirstHi, layout.FirstLo, 0, iid, out iidHi, out iidLo);
        }

        hi |= iidHi;
        lo |= iidLo;
    }

    /// <summary>The last segment whose start is at or below the index (binary search over the prefix sums).</summary>
    public static int FindSegment<TSegments>(TSegments segments, int count, ulong index)
        where TSegments : struct, ITable<TargetSegment>
    {
        int low = 0, high = count - 1;
        while (low < high)
        {
            var mid = (low + high + 1) >> 1;
            if (segments[mid].Start <= index)
                low = mid;
            else
                high = mid - 1;
        }

        return low;
    }

    /// <summary>value &lt;&lt; shift as 128 bits, for shift 0 to 127 (C# and PTX disagree on shifts of 64 and more).</summary>
    public static void ShiftLeft(ulong value, int shift, out ulong hi, out ulong lo)
    {
        if (shift == 0)
        {
            hi = 0;
            lo = value;
        }
        else if (shift < 64)
        {
            hi = value >> (64 - shift);
            lo = value << shift;
        }
        else
        {
            hi = value << (shift - 64);
            lo = 0;
        }
    }

    /// <summary>128-bit addition from 64-bit halves.</summary>
    public static void Add(ulong aHi, ulong aLo, ulong bHi, ulong bLo, out ulong hi, out ulong lo)
    {
        lo = aLo + bLo;
        hi = aHi + bHi + (lo < aLo ? 1UL : 0UL);
    }
}
