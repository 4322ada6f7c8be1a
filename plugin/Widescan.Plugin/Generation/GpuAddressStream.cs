using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using Widescan.Contracts;
using Widescan.Plugin.Targets;

namespace Widescan.Plugin.Generation;

/// <summary>
/// The GPU generator's stream: the tables go to the device once, the output buffer and a page-locked
/// host buffer are reused (grown only when a caller asks for a larger batch), and each batch is one
/// kernel launch and one pinned copy back.
/// </summary>
internal sealed class GpuAddressStream : AddressStreamBase
{
    private readonly GpuDevice device;
    private readonly AcceleratorStream stream;
    private readonly MemoryBuffer1D<TargetSegment, Stride1D.Dense> segments;
    private readonly MemoryBuffer1D<uint, Stride1D.Dense> ouis;
    private readonly MemoryBuffer1D<Address128, Stride1D.Dense> list;
    private MemoryBuffer1D<Address128, Stride1D.Dense>? output;
    private PageLockedArray1D<Address128>? host;

    /// <summary>Opens the stream on a device.</summary>
    /// <exception cref="InvalidOperationException">The device cannot hold the target space (a list too large for its memory): nothing stays allocated.</exception>
    public GpuAddressStream(TargetSpec spec, GpuDevice device)
        : this(spec, device, static (accelerator, length) => accelerator.Allocate1D<Address128>(length))
    {
    }

    /// <summary>Opens the stream, allocating the address list with <paramref name="allocateList"/> (a test makes it fail).</summary>
    internal GpuAddressStream(TargetSpec spec, GpuDevice device, Func<Accelerator, long, MemoryBuffer1D<Address128, Stride1D.Dense>> allocateList)
        : base(spec)
    {
        this.device = device;
        var accelerator = device.Accelerator;
        AcceleratorStream? opened = null;
        MemoryBuffer1D<TargetSegment, Stride1D.Dense>? segmentBuffer = null;
        MemoryBuffer1D<uint, Stride1D.Dense>? ouiBuffer = null;
        MemoryBuffer1D<Address128, Stride1D.Dense>? listBuffer = null;
        var length = Math.Max(1, Space.ListCount);
        try
        {
            opened = accelerator.CreateStream();
            segmentBuffer = accelerator.Allocate1D(Space.Segments);
            ouiBuffer = accelerator.Allocate1D(Space.Ouis);

            // The address list (one unused entry for a prefix space) goes over once, as UInt128's own bytes.
            ReadOnlySpan<Address128> addresses = MemoryMarshal.Cast<UInt128, Address128>(Space.List.AsSpan(0, length));
            listBuffer = allocateList(accelerator, addresses.Length);
            listBuffer.View.CopyFromCPU(opened, addresses);
            opened.Synchronize();
        }
        catch (Exception e)
        {
            // Device memory is not the garbage collector's: what was allocated goes back now, and the
            // host gets one clear error rather than an ILGPU exception from deep inside.
            listBuffer?.Dispose();
            ouiBuffer?.Dispose();
            segmentBuffer?.Dispose();
            opened?.Dispose();
            var what = Space.ListCount > 0
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the target list ({Space.ListCount:N0} addresses, {(long)length * 16 / (1 << 20):N0} MiB)")
                : "the target space";
            throw new InvalidOperationException(
                $"the gpu generator cannot hold {what} on {device.Description}: {e.Message}; use the cpu generator ({nameof(WidescanOptions)}.{nameof(WidescanOptions.Generator)} \"cpu\")", e);
        }

        stream = opened;
        segments = segmentBuffer;
        ouis = ouiBuffer;
        list = listBuffer;
    }

    /// <inheritdoc />
    protected override void Generate(ulong first, Span<UInt128> run)
    {
        EnsureCapacity(run.Length);
        var view = output!.View.SubView(0, run.Length);
        device.Kernel(stream, run.Length, Plan, first, view,
            new ViewTable<TargetSegment>(segments.View), new ViewTable<uint>(ouis.View), new ViewTable<Address128>(list.View));
        view.CopyTo(stream, host!.ArrayView.SubView(0, run.Length));
        stream.Synchronize();
        MemoryMarshal.Cast<Address128, UInt128>(host.Span[..run.Length]).CopyTo(run);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing)
            return;
        output?.Dispose();
        host?.Dispose();
        segments.Dispose();
        ouis.Dispose();
        list.Dispose();
        stream.Dispose();
    }

    private void EnsureCapacity(int length)
    {
        if (output is not null && output.Length >= length)
            return;
        output?.Dispose();
        host?.Dispose();
        output = device.Accelerator.Allocate1D<Address128>(length);
        host = device.Accelerator.AllocatePageLocked1D<Address128>(length);
    }
}
