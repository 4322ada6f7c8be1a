using System.Numerics;

namespace Widescan.Plugin.Generation;

/// <summary>
/// A keyed permutation of [0, N) for any N from 1 to 2^64: a 4-round alternating Feistel network over
/// the smallest bit width that holds N - 1, with cycle walking for the values at or past N. It is
/// random access: a position maps to its index with no state, so shards and cursors cost nothing.
/// </summary>
/// <remarks>
/// Plain fields and static methods only, so the same code runs in an ILGPU kernel and on the CPU
/// (identical output by construction). The halves may differ by one bit (odd widths), which is why each
/// round xors one half with a function of the other instead of swapping halves. The domain is below
/// 2N, so cycle walking takes fewer than two rounds of encryption on average.
/// </remarks>
internal struct FeistelPermutation
{
    /// <summary>N - 1: the largest index.</summary>
    public ulong Last;

    /// <summary>The width of the right half; the left half takes the remaining bits.</summary>
    public int RightBits;

    /// <summary>Masks of the two halves.</summary>
    public ulong LeftMask, RightMask;

    /// <summary>The round keys.</summary>
    public ulong K0, K1, K2, K3;

    /// <summary>Creates the permutation of [0, last + 1) keyed by the seed.</summary>
    public static FeistelPermutation Create(ulong last, ulong seed)
    {
        // At least two bits, so that each half has one; N = 1 and N = 2 cycle-walk over four values.
        var bits = Math.Max(2, 64 - BitOperations.LeadingZeroCount(last));
        var right = (bits + 1) / 2;
        var left = bits - right;
        var state = seed ^ 0x5753_434E_4645_4953UL; // "WSCNFEIS": a zero seed still gets mixed keys
        return new FeistelPermutation
        {
            Last = last,
            RightBits = right,
            LeftMask = (1UL << left) - 1,
            RightMask = (1UL << right) - 1,
            K0 = SplitMix(ref state),
            K1 = SplitMix(ref state),
            K2 = SplitMix(ref state),
            K3 = SplitMix(ref state),
        };
    }

    /// <summary>The index at a position, both in [0, N).</summary>
    public static ulong Permute(in FeistelPermutation f, ulong position)
    {
        var x = Encrypt(f, position);
        while (x > f.Last)
            x = Encrypt(f, x);
        return x;
    }

    /// <summary>One pass of the Feistel network over the full bit width (a bijection of [0, 2^bits)).</summary>
    public static ulong Encrypt(in FeistelPermutation f, ulong x)
    {
        var l = x >> f.RightBits;
        var r = x & f.RightMask;
        l ^= Round(r, f.K0) & f.LeftMask;
        r ^= Round(l, f.K1) & f.RightMask;
        l ^= Round(r, f.K2) & f.LeftMask;
        r ^= Round(l, f.K3) & f.RightMask;
        return (l << f.RightBits) | r;
    }

    /// <summary>
    /// The round function: one 64-bit multiply by an odd constant, folded so that the low bits (which
    /// the masks keep) depend on every input bit. One multiply is what keeps a round at about a nanosecond.
    /// </summary>
    public static ulong Round(ulong v, ulong key)
    {
        var h = (v ^ key) * 0x9E37_79B9_7F4A_7C15UL;
        return h ^ (h >> 32);
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood), used to derive round keys and random identifiers.</summary>
    public static ulong SplitMix(ref ulong state)
    {
        state += 0x9E37_79B9_7F4A_7C15UL;
        return Mix(state);
    }

    /// <summary>The SplitMix64 finaliser: a strong 64-bit mixer.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}
