using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Widescan.Contracts;
using Widescan.Plugin.Generation;

namespace Widescan.Benchmarks.Generation;

/// <summary>
/// Permuted addresses per second of the "cpu" generator on one thread and on every thread, for a /112,
/// a /64 and a /32 window at /64, beside a sequential fill of the same buffer (the memory-bound ceiling).
/// One operation fills one batch of <see cref="Batch"/> addresses: addresses/s = Batch / mean time.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class GenerationBenchmarks
{
    /// <summary>65,536 addresses (1 MiB): big enough to amortise waking the workers, small enough for L2.</summary>
    public const int Batch = 1 << 16;

    private readonly UInt128[] buffer = new UInt128[Batch];
    private CpuAddressStream stream = null!;
    private UInt128 next;

    [Params("/112", "/64", "/32 window /64")]
    public string Space { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var spec = Space switch
        {
            "/112" => new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/112")] },
            "/64" => new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/64")] },
            _ => new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/32")], SubnetBits = 64, Iid = IidPattern.Parse("::1") },
        };
        // 2001:db8::/32 is on the default blocklist; the benchmark scans nothing, so lift it.
        stream = (CpuAddressStream)new CpuAddressGenerator { Threads = Threads }.Open(spec with { Seed = 1, AllowReserved = true });
    }

    [GlobalCleanup]
    public void Cleanup() => stream.Dispose();

    /// <summary>The memory-bound ceiling: the same buffer filled with consecutive addresses.</summary>
    [Benchmark(Baseline = true)]
    public UInt128 SequentialFill()
    {
        var span = buffer.AsSpan();
        var value = next;
        for (var k = 0; k < span.Length; k++)
            span[k] = value + (ulong)k;
        next = value + (ulong)span.Length;
        return span[^1];
    }

    /// <summary>One batch of permuted targets from the cpu generator; a /112 (one batch) is replayed from its start.</summary>
    [Benchmark]
    public int PermutedFill()
    {
        if (stream.Positions - stream.Cursor < Batch)
            stream.Seek(0);
        return stream.Fill(buffer);
    }
}
