using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using Widescan.Plugin.Targets;

namespace Widescan.Plugin.Generation;

/// <summary>
/// The accelerator a GPU generator runs on, with its kernel compiled once. Chosen from a request:
/// null, "" or "auto" (the first CUDA device, else the first OpenCL GPU with generic address space
/// support), an index into those, a part of a device name, or "emulator" (ILGPU's CPU accelerator,
/// for tests: never chosen otherwise).
/// </summary>
internal sealed class GpuDevice : IDisposable
{
    /// <summary>The request that selects ILGPU's CPU accelerator.</summary>
    public const string Emulator = "emulator";

    private static int resolverInstalled;

    private readonly Context context;

    private GpuDevice(Context context, Accelerator accelerator, bool isEmulator)
    {
        this.context = context;
        Accelerator = accelerator;
        IsEmulator = isEmulator;
        Description = isEmulator
            ? $"ILGPU CPU accelerator (emulator, for tests): {accelerator.Name}"
            : $"{accelerator.AcceleratorType}: {accelerator.Name}";
        Kernel = accelerator.LoadAutoGroupedKernel<Index1D, ScanPlan, ulong, ArrayView<Address128>, ViewTable<TargetSegment>, ViewTable<uint>, ViewTable<Address128>>(
            GenerationKernel.Fill);
    }

    /// <summary>The accelerator.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Whether this is ILGPU's CPU accelerator.</summary>
    public bool IsEmulator { get; }

    /// <summary>What it is, for logs.</summary>
    public string Description { get; }

    /// <summary>The loaded kernel (stream, extent, plan, first sequence number, output, segments, OUIs, address list).</summary>
    public Action<AcceleratorStream, Index1D, ScanPlan, ulong, ArrayView<Address128>, ViewTable<TargetSegment>, ViewTable<uint>, ViewTable<Address128>> Kernel { get; }

    /// <summary>Opens the requested device, or returns null with the reason none serves.</summary>
    public static GpuDevice? TryOpen(string? request, out string reason)
    {
        request = request?.Trim();
        if (string.Equals(request, Emulator, StringComparison.OrdinalIgnoreCase))
        {
            var cpuContext = Context.Create(b => b.CPU());
            var device = new GpuDevice(cpuContext, cpuContext.GetCPUDevice(0).CreateAccelerator(cpuContext), isEmulator: true);
            reason = device.Description;
            return device;
        }

        InstallOpenClResolver();
        Context context;
        try
        {
            context = Context.Create(b => b.Cuda().OpenCL(UsableOpenCl));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException or NotSupportedException)
        {
            reason = $"no usable GPU: ILGPU could not start ({e.Message})";
            return null;
        }

        var candidates = context.Devices.Where(d => d.AcceleratorType == AcceleratorType.Cuda)
            .Concat(context.Devices.Where(d => d.AcceleratorType == AcceleratorType.OpenCL))
            .ToList();
        Device? chosen = null;
        if (string.IsNullOrEmpty(request) || request.Equals("auto", StringComparison.OrdinalIgnoreCase))
            chosen = candidates.FirstOrDefault();
        else if (int.TryParse(request, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            chosen = index < candidates.Count ? candidates[index] : null;
        else
            chosen = candidates.FirstOrDefault(d => d.Name.Contains(request, StringComparison.OrdinalIgnoreCase));

        if (chosen is null)
        {
            context.Dispose();
            reason = candidates.Count == 0
                ? "no usable GPU: no CUDA device and no OpenCL GPU with generic address space support (set Generator to cpu, or GpuDevice to emulator for tests)"
                : $"no GPU matches '{request}'; usable: {string.Join(", ", candidates.Select((d, k) => $"{k}: {d.Name}"))}";
            return null;
        }

        try
        {
            var device = new GpuDevice(context, chosen.CreateAccelerator(context), isEmulator: false);
            reason = device.Description;
            return device;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            context.Dispose();
            reason = $"GPU {chosen.Name} could not serve: {e.Message}";
            return null;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // ILGPU requires the accelerator to go before its context.
        Accelerator.Dispose();
        context.Dispose();
    }

    private static bool UsableOpenCl(CLDevice device)
    {
        if (device.DeviceType != CLDeviceType.CL_DEVICE_TYPE_GPU)
            return false;
        if (device.Capabilities.GenericAddressSpace)
            return true;
        GenerationLog.Logger.Information(
            "GPU: skipping OpenCL device {Device} ({Platform}): it lacks generic address space support, which ILGPU needs",
            device.Name, device.PlatformName);
        return false;
    }

    /// <summary>
    /// ILGPU imports "opencl", which the loader looks up as libopencl.so; Debian ships only
    /// libOpenCL.so.1 (the unversioned name comes with the -dev package), so map it.
    /// </summary>
    private static void InstallOpenClResolver()
    {
        if (Interlocked.Exchange(ref resolverInstalled, 1) != 0)
            return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, ResolveOpenCl);
        }
        catch (InvalidOperationException)
        {
            GenerationLog.Logger.Debug("GPU: ILGPU already has a native library resolver; OpenCL is loaded by its default name");
        }
    }

    private static IntPtr ResolveOpenCl(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (!name.Equals("opencl", StringComparison.OrdinalIgnoreCase))
            return IntPtr.Zero;
        return NativeLibrary.TryLoad("libOpenCL.so.1", out var handle) ? handle : IntPtr.Zero;
    }
}
