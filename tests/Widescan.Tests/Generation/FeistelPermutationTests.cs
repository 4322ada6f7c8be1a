using System.Collections;
using System.Runtime.Intrinsics;
using Widescan.Plugin.Generation;

namespace Widescan.Tests.Generation;

public class FeistelPermutationTests
{
    private static readonly ulong[] Sizes =
        [1, 2, 3, 5, 7, 8, 100, 255, 256, 257, 1000, 4096, 65535, 65536, 65537, 99_991, 1 << 17, (1 << 20) - 3, 1 << 20];

    [Test]
    public void VisitsEveryPositionOnceForManySizesAndSeeds()
    {
        foreach (var n in Sizes)
        {
            foreach (var seed in new ulong[] { 0, 1, 0xDEAD_BEEF, ulong.MaxValue })
            {
                var f = FeistelPermutation.Create(n - 1, seed);
                var seen = new BitArray((int)n);
                for (ulong p = 0; p < n; p++)
                {
                    var x = FeistelPermutation.Permute(f, p);
                    Assert.That(x, Is.LessThan(n), $"N={n} seed={seed} position {p}");
                    Assert.That(seen[(int)x], Is.False, $"N={n} seed={seed}: index {x} visited twice");
                    seen[(int)x] = true;
                }
            }
        }
    }

    [Test]
    public void HandlesTheFullSixtyFourBitSpace()
    {
        var f = FeistelPermutation.Create(ulong.MaxValue, 3);
        var images = new HashSet<ulong>();
        for (ulong p = 0; p < 10_000; p++)
            images.Add(FeistelPermutation.Permute(f, ulong.MaxValue - p));
        Assert.That(images, Has.Count.EqualTo(10_000));
    }

    [Test]
    public void VectorPathsEqualTheScalarOne()
    {
        Assume.That(Vector256.IsHardwareAccelerated, "this machine has no AVX2, so the vector paths never run");
        foreach (var n in Sizes.Append(ulong.MaxValue).Append(1UL << 40).Append((1UL << 33) + 12345))
        {
            var f = FeistelPermutation.Create(n == ulong.MaxValue ? n : n - 1, 42);
            var count = Math.Min(n, 1UL << 14);
            for (ulong p = 0; p + 8 <= count; p += 8)
            {
                var v256 = FeistelVector.Permute(f, Vector256.Create(p, p + 1, p + 2, p + 3));
                for (var lane = 0; lane < 4; lane++)
                    Assert.That(v256[lane], Is.EqualTo(FeistelPermutation.Permute(f, p + (ulong)lane)), $"N={n} p={p}");
                if (Vector512.IsHardwareAccelerated)
                {
                    var v512 = FeistelVector.Permute(f, Vector512.Create(p, p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7));
                    for (var lane = 0; lane < 8; lane++)
                        Assert.That(v512[lane], Is.EqualTo(FeistelPermutation.Permute(f, p + (ulong)lane)), $"N={n} p={p}");
                }
            }
        }
    }

    [Test]
    public void OrderIsScrambled()
    {
        foreach (var seed in new ulong[] { 0, 1, 2, 99 })
        {
            var f = FeistelPermutation.Create(65535, seed);
            var run = 1;
            var longest = 1;
            var previous = FeistelPermutation.Permute(f, 0);
            for (ulong p = 1; p < 65536; p++)
            {
                var x = FeistelPermutation.Permute(f, p);
                run = x == previous + 1 || x + 1 == previous ? run + 1 : 1;
                longest = Math.Max(longest, run);
                previous = x;
            }

            Assert.That(longest, Is.LessThan(8), $"seed {seed}: a run of {longest} consecutive indexes");
        }
    }

    [Test]
    public void SeedsGiveDifferentOrders()
    {
        var a = FeistelPermutation.Create(65535, 1);
        var b = FeistelPermutation.Create(65535, 2);
        var same = 0;
        for (ulong p = 0; p < 65536; p++)
            same += FeistelPermutation.Permute(a, p) == FeistelPermutation.Permute(b, p) ? 1 : 0;
        Assert.That(same, Is.LessThan(100), "two seeds agree on far more positions than chance");
    }
}
