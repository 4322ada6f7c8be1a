using Widescan.Contracts;
using Widescan.Plugin.Generation;

namespace Widescan.Tests.Generation;

/// <summary>Helpers that drain streams; test-only, so they may allocate freely.</summary>
internal static class Streams
{
    public static List<UInt128> Drain(IAddressGenerator generator, TargetSpec spec, int batch = 4096)
    {
        using var stream = generator.Open(spec);
        return Drain(stream, batch);
    }

    public static List<UInt128> Drain(IAddressStream stream, int batch = 4096, ulong? stopAt = null)
    {
        var result = new List<UInt128>();
        var buffer = new UInt128[batch];
        while (stopAt is null || stream.Cursor < stopAt)
        {
            var take = stopAt is { } s ? (int)Math.Min((ulong)batch, s - stream.Cursor) : batch;
            var n = stream.Fill(buffer.AsSpan(0, take));
            if (n == 0)
                break;
            result.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        return result;
    }

    public static TargetSpec Spec(string include, ulong seed = 7, params string[] exclude) => new()
    {
        Include = [Ipv6Prefix.Parse(include)],
        Exclude = exclude.Select(Ipv6Prefix.Parse).ToArray(),
        Seed = seed,
        AllowReserved = true, // 2001:db8::/32 is on the blocklist; these tests scan it on purpose
    };

    public static CpuAddressGenerator Cpu(int threads = 2) => new() { Threads = threads };
}
