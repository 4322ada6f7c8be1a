using Widescan.Contracts;
using Widescan.Plugin.Generation;
using Widescan.Plugin.Targets;

namespace Widescan.Tests.Generation;

public class CpuAddressGeneratorTests
{
    [Test]
    public void A112YieldsEachAddressOnceInScrambledOrder()
    {
        var prefix = Ipv6Prefix.Parse("2001:db8::/112");
        var targets = Streams.Drain(Streams.Cpu(), Streams.Spec("2001:db8::/112"));
        Assert.That(targets, Has.Count.EqualTo(65536));
        Assert.That(targets.Distinct().Count(), Is.EqualTo(65536));
        Assert.That(targets.All(prefix.Contains), Is.True);
        var run = 1;
        for (var k = 1; k < targets.Count; k++)
        {
            run = targets[k] == targets[k - 1] + 1 || targets[k] + 1 == targets[k - 1] ? run + 1 : 1;
            Assert.That(run, Is.LessThan(8), $"8 consecutive addresses at {k}");
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    public void ShardsAreDisjointAndComplete(int count)
    {
        // Two includes and an exclusion: N = 65536 + 4096 - 256, not a power of two.
        var spec = Streams.Spec("2001:db8::/112", 11, "2001:db8::ab00/120") with
        {
            Include = [Ipv6Prefix.Parse("2001:db8::/112"), Ipv6Prefix.Parse("2001:db8:1::/116")],
        };
        var whole = Streams.Drain(Streams.Cpu(), spec).ToHashSet();
        var union = new HashSet<UInt128>();
        for (var i = 0; i < count; i++)
        {
            var shard = Streams.Drain(Streams.Cpu(), spec with { Shard = new ShardSpec(i, count) });
            foreach (var target in shard)
                Assert.That(union.Add(target), Is.True, $"{Ipv6Address.Format(target)} in two shards");
        }

        Assert.That(whole, Has.Count.EqualTo(65536 + 4096 - 256));
        Assert.That(union.SetEquals(whole), Is.True);
    }

    [TestCase(0UL)]
    [TestCase(1UL)]
    [TestCase(4095UL)]
    [TestCase(10_001UL)]
    [TestCase(21_845UL)]
    public void ResumingAtACursorContinuesExactly(ulong cursor)
    {
        var spec = Streams.Spec("2001:db8::/112", 5) with { Shard = new ShardSpec(1, 3) };
        var whole = Streams.Drain(Streams.Cpu(), spec, batch: 1000);
        using var first = Streams.Cpu().Open(spec);
        var head = Streams.Drain(first, batch: 777, stopAt: cursor);
        Assert.That(first.Cursor, Is.EqualTo(cursor));
        var tail = Streams.Drain(Streams.Cpu(), spec with { StartCursor = cursor }, batch: 333);
        Assert.That(head.Concat(tail), Is.EqualTo(whole));
    }

    [Test]
    public void OneThreadTwoThreadsAndTheSharedScalarCodeAgree()
    {
        var spec = Streams.Spec("2001:db8::/108", 9) with { Shard = new ShardSpec(2, 5), StartCursor = 17 };
        var one = Streams.Drain(Streams.Cpu(1), spec, batch: 65536);
        var two = Streams.Drain(Streams.Cpu(2), spec, batch: 65536);
        Assert.That(two, Is.EqualTo(one));
        var space = TargetSpace.Build(spec);
        var plan = ScanPlan.Create(space, spec, out var positions);
        Assert.That((UInt128)(ulong)one.Count, Is.EqualTo(positions - 17));
        for (var k = 0; k < one.Count; k += 97)
        {
            var index = FeistelPermutation.Permute(plan.Order, plan.ShardIndex + (17 + (ulong)k) * plan.ShardCount);
            Assert.That(one[k], Is.EqualTo(space.TargetAt(index)));
        }
    }

    [Test]
    public void FillAllocatesNothingPerBatch()
    {
        using var stream = Streams.Cpu(1).Open(Streams.Spec("2001:db8::/96"));
        var buffer = new UInt128[8192];
        stream.Fill(buffer);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 50; k++)
            stream.Fill(buffer);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void EndOfShardReturnsZero()
    {
        using var stream = Streams.Cpu().Open(Streams.Spec("2001:db8::/120"));
        var buffer = new UInt128[1000];
        Assert.That(stream.Fill(buffer), Is.EqualTo(256));
        Assert.That(stream.Fill(buffer), Is.Zero);
        Assert.That(stream.Cursor, Is.EqualTo(stream.Positions));
    }

    [Test]
    public void MoreThanTwoToTheSixtyFourTargetsIsAClearError()
    {
        var e = Assert.Throws<TargetSpecException>(() => Streams.Cpu().Open(Streams.Spec("2001:db8::/32")));
        Assert.That(e!.Message, Does.Contain("2^96").And.Contain("at most 2^64"));
    }

    [Test]
    public void TheWholeSixtyFourBitSpaceOpens()
    {
        using var stream = Streams.Cpu().Open(Streams.Spec("2001:db8::/64"));
        Assert.That(stream.Positions, Is.EqualTo(ulong.MaxValue), "2^64 positions saturate");
        var buffer = new UInt128[4096];
        Assert.That(stream.Fill(buffer), Is.EqualTo(4096));
        Assert.That(buffer.Distinct().Count(), Is.EqualTo(4096));
    }

    [Test]
    public void ACursorPastTheEndIsAClearError()
    {
        var e = Assert.Throws<TargetSpecException>(() =>
            Streams.Cpu().Open(Streams.Spec("2001:db8::/120", 1, "2001:db8::/121") with { StartCursor = 200 }));
        Assert.That(e!.Message, Does.Contain("start cursor 200 is past the end"));
    }
}
