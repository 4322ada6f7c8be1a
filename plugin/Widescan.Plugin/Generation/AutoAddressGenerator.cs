using System.Composition;
using Widescan.Contracts;

namespace Widescan.Plugin.Generation;

/// <summary>
/// The "auto" generator (the default): a real GPU when one serves, else the CPU; never ILGPU's CPU
/// accelerator, even when the GPU device request says "emulator". The choice is made once and logged.
/// </summary>
[Export(typeof(IAddressGenerator))]
[ExportMetadata("Name", "auto")]
[ExportMetadata("Kind", PartKinds.Generator)]
[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]
internal sealed class AutoAddressGenerator : IAddressGenerator, IDisposable
{
    private readonly Lazy<IAddressGenerator> chosen;
    private readonly GpuAddressGenerator gpu;
    private readonly CpuAddressGenerator cpu;

    /// <summary>Creates the generator over its own GPU and CPU generators.</summary>
    public AutoAddressGenerator()
        : this(new GpuAddressGenerator(), new CpuAddressGenerator())
    {
    }

    /// <summary>Creates the generator over the given ones (tests pass their own).</summary>
    internal AutoAddressGenerator(GpuAddressGenerator gpu, CpuAddressGenerator cpu)
    {
        this.gpu = gpu;
        this.cpu = cpu;
        chosen = new Lazy<IAddressGenerator>(Choose);
    }

    /// <inheritdoc />
    public string Name => "auto";

    /// <summary>The generator auto chose.</summary>
    public IAddressGenerator Chosen => chosen.Value;

    /// <inheritdoc />
    public string Description => $"auto: {Chosen.Description}";

    /// <inheritdoc />
    public GeneratorAvailability Availability => Chosen.Availability;

    /// <inheritdoc />
    public IAddressStream Open(TargetSpec spec) => Chosen.Open(spec);

    /// <summary>The GPU it may choose takes the device; "emulator" makes it choose the cpu (see the class).</summary>
    public bool SelectDevice(string device) => gpu.SelectDevice(device);

    /// <inheritdoc />
    public void Dispose() => gpu.Dispose();

    private IAddressGenerator Choose()
    {
        if (!string.Equals(gpu.Device, GpuDevice.Emulator, StringComparison.OrdinalIgnoreCase) && gpu.HasRealGpu)
        {
            GenerationLog.Logger.Information("Generator auto: chose gpu ({Device})", gpu.Description);
            return gpu;
        }

        GenerationLog.Logger.Information("Generator auto: chose cpu ({Device}): no real GPU serves", cpu.Description);
        return cpu;
    }
}
