using System.Composition;
using Widescan.Contracts;

namespace Widescan.SamplePlugin;

/// <summary>
/// The "sample" generator: the addresses of the spec's first include prefix in plain ascending order,
/// shard i of n taking every n-th address from the i-th, resuming at the spec's cursor. It shows what a
/// third-party generator needs: one MEF export with Name and Kind metadata, and nothing else of Widescan's.
/// </summary>
[Export(typeof(IAddressGenerator))]
[ExportMetadata("Name", "sample")]
[ExportMetadata("Kind", PartKinds.Generator)]
[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]
public sealed class SequentialGenerator : IAddressGenerator
{
    /// <inheritdoc />
    public string Name => "sample";

    /// <inheritdoc />
    public string Description => "sample: ascending addresses of the first prefix";

    /// <inheritdoc />
    public GeneratorAvailability Availability => GeneratorAvailability.Available(Description);

    /// <inheritdoc />
    public IAddressStream Open(TargetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.EnsureValid();
        var prefix = spec.MergedIncludes()[0];
        if (prefix.HostBits > 64)
            throw new TargetSpecException([$"the sample generator scans at most 2^64 addresses; {prefix} holds 2^{prefix.HostBits}"]);
        return new Stream(prefix, spec.Shard, spec.StartCursor);
    }

    private sealed class Stream : IAddressStream
    {
        private readonly UInt128 network;
        private readonly UInt128 index;
        private readonly UInt128 count;

        public Stream(Ipv6Prefix prefix, ShardSpec shard, ulong start)
        {
            network = prefix.Network;
            index = (uint)shard.Index;
            count = (uint)shard.Count;
            var size = UInt128.One << prefix.HostBits;
            var positions = size <= index ? 0 : (size - index + count - 1) / count;
            Positions = positions > ulong.MaxValue ? ulong.MaxValue : (ulong)positions;
            if (start > Positions)
                throw new TargetSpecException([$"start cursor {start} is past the end of shard {shard} ({Positions} positions)"]);
            Cursor = start;
        }

        public ulong Positions { get; }

        public ulong Cursor { get; private set; }

        public int Fill(Span<UInt128> batch)
        {
            var n = (int)Math.Min((ulong)batch.Length, Positions - Cursor);
            for (var k = 0; k < n; k++)
                batch[k] = network + index + (Cursor + (ulong)k) * count;
            Cursor += (ulong)n;
            return n;
        }

        public void Dispose()
        {
        }
    }
}
