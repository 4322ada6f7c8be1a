using System.Runtime.Intrinsics;

namespace Widescan.Plugin.Generation;

/// <summary>
/// <see cref="FeistelPermutation.Permute"/> on 8 or 4 positions at once (AVX-512 / AVX2). The same
/// operations in the same order as the scalar code, lane by lane; the tests compare the two on every
/// position of many spaces.
/// </summary>
internal static class FeistelVector
{
    private const ulong Multiplier = 0x9E37_79B9_7F4A_7C15UL;

    /// <summary>The indexes at eight positions.</summary>
    public static Vector512<ulong> Permute(in FeistelPermutation f, Vector512<ulong> positions)
    {
        var last = Vector512.Create(f.Last);
        var x = Encrypt(f, positions);
        var walk = Vector512.GreaterThan(x, last);
        while (walk != Vector512<ulong>.Zero)
        {
            x = Vector512.ConditionalSelect(walk, Encrypt(f, x), x);
            walk = Vector512.GreaterThan(x, last);
        }

        return x;
    }

    /// <summary>The indexes at four positions.</summary>
    public static Vector256<ulong> Permute(in FeistelPermutation f, Vector256<ulong> positions)
    {
        var last = Vector256.Create(f.Last);
        var x = Encrypt(f, positions);
        var walk = Vector256.GreaterThan(x, last);
        while (walk != Vector256<ulong>.Zero)
        {
            x = Vector256.ConditionalSelect(walk, Encrypt(f, x), x);
            walk = Vector256.GreaterThan(x, last);
        }

        return x;
    }

    private static Vector512<ulong> Encrypt(in FeistelPermutation f, Vector512<ulong> x)
    {
        var leftMask = Vector512.Create(f.LeftMask);
        var rightMask = Vector512.Create(f.RightMask);
        var l = Vector512.ShiftRightLogical(x, f.RightBits);
        var r = x & rightMask;
        l ^= Round(r, f.K0) & leftMask;
        r ^= Round(l, f.K1) & rightMask;
        l ^= Round(r, f.K2) & leftMask;
        r ^= Round(l, f.K3) & rightMask;
        return Vector512.ShiftLeft(l, f.RightBits) | r;
    }

    private static Vector256<ulong> Encrypt(in FeistelPermutation f, Vector256<ulong> x)
    {
        var leftMask = Vector256.Create(f.LeftMask);
        var rightMask = Vector256.Create(f.RightMask);
        var l = Vector256.ShiftRightLogical(x, f.RightBits);
        var r = x & rightMask;
        l ^= Round(r, f.K0) & leftMask;
        r ^= Round(l, f.K1) & rightMask;
        l ^= Round(r, f.K2) & leftMask;
        r ^= Round(l, f.K3) & rightMask;
        return Vector256.ShiftLeft(l, f.RightBits) | r;
    }

    private static Vector512<ulong> Round(Vector512<ulong> v, ulong key)
    {
        var h = (v ^ Vector512.Create(key)) * Vector512.Create(Multiplier);
        return h ^ Vector512.ShiftRightLogical(h, 32);
    }

    private static Vector256<ulong> Round(Vector256<ulong> v, ulong key)
    {
        var h = (v ^ Vector256.Create(key)) * Vector256.Create(Multiplier);
        return h ^ Vector256.ShiftRightLogical(h, 32);
    }
}
