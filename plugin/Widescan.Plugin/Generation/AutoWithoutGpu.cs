using Widescan.Contracts;

namespace Widescan.Plugin.Generation;

/// <summary>
/// The <c>auto</c> generator of a Native AOT host (<see cref="WidescanPlugin.Generators"/>): there is no
/// GPU generator to choose (<see cref="NoGpuUnderAot"/>), so it is the CPU, under its own name as
/// <see cref="AutoAddressGenerator"/> is, without referencing the GPU code that AOT leaves out.
/// </summary>
internal sealed class AutoWithoutGpu : IAddressGenerator
{
    private readonly CpuAddressGenerator _cpu = new();

    /// <inheritdoc />
    public string Name => "auto";

    /// <inheritdoc />
    public string Description => $"auto: {_cpu.Description} (no GPU under Native AOT)";

    /// <inheritdoc />
    public GeneratorAvailability Availability => _cpu.Availability;

    /// <inheritdoc />
    public IAddressStream Open(TargetSpec spec) => _cpu.Open(spec);
}
