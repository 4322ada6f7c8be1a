using Widescan.Contracts;

namespace Widescan.Plugin.Generation;

/// <summary>
/// The <c>gpu</c> generator of a Native AOT host (<see cref="WidescanPlugin.Generators"/>): ILGPU
/// compiles its kernels to IL and loads them at run time, which AOT cannot do, so asking for it gives
/// the module's "cannot serve" error with this reason instead of a crash inside ILGPU.
/// </summary>
internal sealed class NoGpuUnderAot : IAddressGenerator
{
    public const string Reason =
        "the gpu generator needs ILGPU, which compiles its kernels at run time: not available under Native AOT; use Generator cpu (or auto, which is the CPU there)";

    /// <inheritdoc />
    public string Name => "gpu";

    /// <inheritdoc />
    public string Description => "GPU: not available under Native AOT";

    /// <inheritdoc />
    public GeneratorAvailability Availability => GeneratorAvailability.Unavailable(Reason);

    /// <inheritdoc />
    public IAddressStream Open(TargetSpec spec) => throw new InvalidOperationException(Reason);
}
