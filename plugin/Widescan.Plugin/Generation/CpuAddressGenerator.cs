using System.Composition;
using System.Runtime.Intrinsics;
using Widescan.Contracts;

namespace Widescan.Plugin.Generation;

/// <summary>
/// The "cpu" generator: the keyed permutation on every core, vectorised with AVX-512 or AVX2 where the
/// machine has it. Its output is the reference every other generator must equal.
/// </summary>
[Export(typeof(IAddressGenerator))]
[ExportMetadata("Name", "cpu")]
[ExportMetadata("Kind", PartKinds.Generator)]
[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]
internal sealed class CpuAddressGenerator : IAddressGenerator
{
    /// <summary>How many threads fill a batch; every core unless set (the benchmarks set 1).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <inheritdoc />
    public string Name => "cpu";

    /// <inheritdoc />
    public string Description =>
        $"CPU, {Threads} thread{(Threads == 1 ? "" : "s")}, {(Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : "scalar")}";

    /// <inheritdoc />
    public GeneratorAvailability Availability => GeneratorAvailability.Available(Description);

    /// <inheritdoc />
    public IAddressStream Open(TargetSpec spec) => new CpuAddressStream(spec, Threads);
}
