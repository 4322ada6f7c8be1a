using System.Buffers.Binary;
using System.Numerics;

namespace Widescan.Contracts;

/// <summary>
/// The rendezvous derivation of docs/rendezvous.md for hosts, which reference only the contracts
/// (the plugin's generator and GPU kernel have their own copy in Targets/RendezvousIid.cs; the golden
/// vectors test both): IID = SipHash-2-4 under the secret of the words (/64, slot, c), the first c
/// whose IID is acceptable. Not a hot path.
/// </summary>
internal static class RendezvousDerivation
{
    /// <summary>The rendezvous address of a slot in the /64 holding <paramref name="address"/>.</summary>
    public static UInt128 Address(ReadOnlySpan<byte> secret, UInt128 address, int slot)
    {
        var k0 = BinaryPrimitives.ReadUInt64LittleEndian(secret);
        var k1 = BinaryPrimitives.ReadUInt64LittleEndian(secret[8..]);
        var hi = (ulong)(address >> 64);
        var iid = 0UL;
        for (ulong c = 0; c < 64; c++)
        {
            iid = SipHash24(k0, k1, hi, (ulong)slot, c);
            if (Acceptable(iid))
                break;
        }

        return new UInt128(hi, iid);
    }

    // Not all zeros (RFC 4291), not the reserved anycast fdff:ffff:ffff:ff80-ffff (RFC 2526), no ff:fe
    // in bytes 3-4 (EUI-64-shaped), not ISATAP (0000:5efe or 0200:5efe, RFC 5214).
    private static bool Acceptable(ulong iid) =>
        iid != 0
        && (iid & 0xFFFF_FFFF_FFFF_FF80UL) != 0xFDFF_FFFF_FFFF_FF80UL
        && ((iid >> 24) & 0xFFFF) != 0xFFFE
        && (iid >> 32) is not (0x0000_5EFEUL or 0x0200_5EFEUL);

    // SipHash-2-4 of three 64-bit words (a 24-byte message read little-endian, as SipHash reads it).
    private static ulong SipHash24(ulong k0, ulong k1, ulong m0, ulong m1, ulong m2)
    {
        Span<ulong> v = [0x736f6d6570736575UL ^ k0, 0x646f72616e646f6dUL ^ k1, 0x6c7967656e657261UL ^ k0, 0x7465646279746573UL ^ k1];
        foreach (var m in (ReadOnlySpan<ulong>)[m0, m1, m2, 24UL << 56])
        {
            v[3] ^= m;
            Round(v);
            Round(v);
            v[0] ^= m;
        }

        v[2] ^= 0xff;
        for (var r = 0; r < 4; r++)
            Round(v);
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void Round(Span<ulong> v)
    {
        v[0] += v[1];
        v[1] = BitOperations.RotateLeft(v[1], 13) ^ v[0];
        v[0] = BitOperations.RotateLeft(v[0], 32);
        v[2] += v[3];
        v[3] = BitOperations.RotateLeft(v[3], 16) ^ v[2];
        v[0] += v[3];
        v[3] = BitOperations.RotateLeft(v[3], 21) ^ v[0];
        v[2] += v[1];
        v[1] = BitOperations.RotateLeft(v[1], 17) ^ v[2];
        v[2] = BitOperations.RotateLeft(v[2], 32);
    }
}
