using System.Composition;
using Widescan.Contracts;

namespace Widescan.Plugin.Generation;

/// <summary>
/// The "gpu" generator on ILGPU: a CUDA device first, then an OpenCL GPU. Its kernel runs the CPU
/// generator's own per-position code, so the output is identical. The device comes from
/// <see cref="SelectDevice"/> (the discovery module passes <see cref="WidescanOptions.GpuDevice"/>),
/// else from the environment variable <see cref="DeviceVariable"/> (for a host that cannot reach the
/// generator in code), else the first usable GPU.
/// </summary>
[Export(typeof(IAddressGenerator))]
[ExportMetadata("Name", "gpu")]
[ExportMetadata("Kind", PartKinds.Generator)]
[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]
internal sealed class GpuAddressGenerator : IAddressGenerator, IDisposable
{
    /// <summary>The environment variable read when <see cref="Device"/> is not set.</summary>
    public const string DeviceVariable = "WIDESCAN_GPU_DEVICE";

    private readonly Lock gate = new();
    private GpuDevice? device;
    private string? failure;
    private bool probed;
    private string? request;

    /// <summary>The device request: an index, a part of a name, "emulator", or null for the first usable GPU.</summary>
    public string? Device
    {
        get => request ?? Environment.GetEnvironmentVariable(DeviceVariable);
        set
        {
            lock (gate)
            {
                if (probed && value != request)
                    throw new InvalidOperationException("the GPU device is chosen once, before the first stream opens");
                request = value;
            }
        }
    }

    /// <inheritdoc />
    public bool SelectDevice(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
        return true;
    }

    /// <inheritdoc />
    public string Name => "gpu";

    /// <inheritdoc />
    public string Description => Probe() is { } d ? d.Description : $"GPU: none ({failure})";

    /// <inheritdoc />
    public GeneratorAvailability Availability => Probe() is { } d
        ? GeneratorAvailability.Available(d.Description)
        : GeneratorAvailability.Unavailable(failure!);

    /// <summary>Whether a real GPU (not the emulator) serves: what "auto" asks before choosing this generator.</summary>
    public bool HasRealGpu => Probe() is { IsEmulator: false };

    /// <inheritdoc />
    public IAddressStream Open(TargetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var d = Probe() ?? throw new InvalidOperationException($"the gpu generator cannot serve: {failure}");
        return new GpuAddressStream(spec, d);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (gate)
        {
            device?.Dispose();
            device = null;
        }
    }

    private GpuDevice? Probe()
    {
        lock (gate)
        {
            if (probed)
                return device;
            probed = true;
            string reason;
            try
            {
                device = GpuDevice.TryOpen(Device, out reason);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A driver or ILGPU failure makes the generator unavailable with the reason; it must not crash a host.
                device = null;
                reason = $"the GPU could not be opened: {e.GetType().Name}: {e.Message}";
            }

            if (device is null)
            {
                failure = reason;
                GenerationLog.Logger.Information("GPU generator unavailable: {Reason}", reason);
            }
            else
            {
                GenerationLog.Logger.Information("GPU generator on {Device}", device.Description);
            }

            return device;
        }
    }
}
