using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Widescan.Plugin.Probing;

/// <summary>
/// SipHash-2-4 (Aumasson and Bernstein): a keyed PRF that is cheap on short inputs, with 64-bit output
/// (the validation tag) and the reference 128-bit output variant (the network-key MAC of wire format
/// version 2). Chosen over HMAC-SHA256 because the MAC now covers each packet's addresses and tag, so
/// it is computed per probe and per reply: an HMAC measured ~2 us a message on the development machine
/// (no SHA extensions), SipHash-2-4-128 of the same 100 bytes about 0.1 us; AES intrinsics are not on
/// every machine the plugin runs on.
/// </summary>
internal static class SipHash
{
    /// <summary>SipHash-2-4 of any message; the reference form, used by tests to check the fast path.</summary>
    public static ulong Hash(ulong k0, ulong k1, ReadOnlySpan<byte> message)
    {
        ulong v0 = 0x736f6d6570736575UL ^ k0;
        ulong v1 = 0x646f72616e646f6dUL ^ k1;
        ulong v2 = 0x6c7967656e657261UL ^ k0;
        ulong v3 = 0x7465646279746573UL ^ k1;

        int whole = message.Length & ~7;
        for (int i = 0; i < whole; i += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(message.Slice(i, 8));
            Compress(ref v0, ref v1, ref v2, ref v3, m);
        }

        ulong last = (ulong)(byte)message.Length << 56;
        var tail = message[whole..];
        for (int i = 0; i < tail.Length; i++)
            last |= (ulong)tail[i] << (8 * i);
        Compress(ref v0, ref v1, ref v2, ref v3, last);
        return Finish(v0, v1, v2, v3);
    }

    /// <summary>
    /// SipHash-2-4-128 of any message (the reference implementation's 128-bit output: v1 starts xored
    /// with 0xee, the finalisation xors v2 with 0xee, then v1 with 0xdd before the second half), written
    /// to <paramref name="tag"/> as the reference writes it: the first 64-bit half little-endian, then
    /// the second. Allocation-free.
    /// </summary>
    public static void Hash128(ulong k0, ulong k1, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        ulong v0 = 0x736f6d6570736575UL ^ k0;
        ulong v1 = 0x646f72616e646f6dUL ^ k1 ^ 0xee;
        ulong v2 = 0x6c7967656e657261UL ^ k0;
        ulong v3 = 0x7465646279746573UL ^ k1;

        int whole = message.Length & ~7;
        for (int i = 0; i < whole; i += 8)
            Compress(ref v0, ref v1, ref v2, ref v3, BinaryPrimitives.ReadUInt64LittleEndian(message.Slice(i, 8)));

        ulong last = (ulong)(byte)message.Length << 56;
        var tail = message[whole..];
        for (int i = 0; i < tail.Length; i++)
            last |= (ulong)tail[i] << (8 * i);
        Compress(ref v0, ref v1, ref v2, ref v3, last);

        v2 ^= 0xee;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        BinaryPrimitives.WriteUInt64LittleEndian(tag, v0 ^ v1 ^ v2 ^ v3);
        v1 ^= 0xdd;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        BinaryPrimitives.WriteUInt64LittleEndian(tag[8..], v0 ^ v1 ^ v2 ^ v3);
    }

    /// <summary>
    /// SipHash-2-4 of exactly three 64-bit words, each taken as SipHash's little-endian reading of eight
    /// message bytes (a 24-byte message). Allocation-free and branch-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash3(ulong k0, ulong k1, ulong m0, ulong m1, ulong m2)
    {
        ulong v0 = 0x736f6d6570736575UL ^ k0;
        ulong v1 = 0x646f72616e646f6dUL ^ k1;
        ulong v2 = 0x6c7967656e657261UL ^ k0;
        ulong v3 = 0x7465646279746573UL ^ k1;
        Compress(ref v0, ref v1, ref v2, ref v3, m0);
        Compress(ref v0, ref v1, ref v2, ref v3, m1);
        Compress(ref v0, ref v1, ref v2, ref v3, m2);
        Compress(ref v0, ref v1, ref v2, ref v3, 24UL << 56);
        return Finish(v0, v1, v2, v3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Compress(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3, ulong m)
    {
        v3 ^= m;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Finish(ulong v0, ulong v1, ulong v2, ulong v3)
    {
        v2 ^= 0xff;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1;
        v1 = BitOperations.RotateLeft(v1, 13);
        v1 ^= v0;
        v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3;
        v3 = BitOperations.RotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = BitOperations.RotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = BitOperations.RotateLeft(v1, 17);
        v1 ^= v2;
        v2 = BitOperations.RotateLeft(v2, 32);
    }
}
