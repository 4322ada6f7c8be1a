using System.Composition;
using Widescan.Contracts;

namespace Widescan.TestPlugin;

/// <summary>
/// The "test-seq" generator: the targets of a plain (non-window) spec in address order, shard i of n
/// taking positions i, i+n, i+2n, ... Excluded and blocklisted addresses are skipped. It proves the
/// loader end to end with a generator whose output a test can predict without the keyed permutation.
/// </summary>
[Export(typeof(IAddressGenerator))]
[ExportMetadata("Name", SequentialGenerator.GeneratorName)]
[ExportMetadata("Kind", PartKinds.Generator)]
[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]
internal sealed class SequentialGenerator : IAddressGenerator
{
    public const string GeneratorName = "test-seq";

    public string Name => GeneratorName;

    public string Description => "test plugin: addresses in plain order, one thread";

    public GeneratorAvailability Availability => GeneratorAvailability.Available("always");

    public IAddressStream Open(TargetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.EnsureValid();
        if (spec.SubnetBits is not null)
            throw new ArgumentException("test-seq does not do window scans: leave SubnetBits unset", nameof(spec));
        return new SequentialStream(spec);
    }
}
