using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Widescan.Plugin.Probing;

namespace Widescan.Plugin.Targets;

/// <summary>
/// The rendezvous derivation (docs/rendezvous.md): where in each /64 the members of a network live.
/// Every member derives the same interface identifier for a /64 and a slot from the network's key,
/// so a scanner needs one probe per /64 and slot instead of 2^64. Static methods on plain values,
/// so the ILGPU kernel runs the very code the CPU runs.
/// </summary>
internal static class RendezvousIid
{
    /// <summary>The HKDF info string: a key derived for rendezvous reveals nothing about the announce MAC key.</summary>
    public const string Info = "widescan rendezvous v1";

    /// <summary>Bytes of the derived secret (a SipHash key).</summary>
    public const int SecretLength = 16;

    /// <summary>
    /// Counters tried before giving up on the filter: a hash is refused with probability about 2^-16
    /// (ff:fe in bytes 3-4), so 64 refusals in a row (about 2^-1024) never happen; the bound only keeps
    /// the loop finite on a GPU.
    /// </summary>
    public const int MaxCounter = 64;

    /// <summary>
    /// secret = HKDF-SHA256(ikm = the network key, or a keyless network's name as UTF-8; salt empty;
    /// info "widescan rendezvous v1"; 16 bytes).
    /// </summary>
    public static byte[] Secret(ReadOnlySpan<byte> networkKeyOrName)
    {
        if (networkKeyOrName.IsEmpty)
            throw new ArgumentException("a rendezvous secret needs a network key or a network name", nameof(networkKeyOrName));
        var secret = new byte[SecretLength];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, networkKeyOrName, secret, salt: [], info: Encoding.UTF8.GetBytes(Info));
        return secret;
    }

    /// <summary>The secret of a keyless network named <paramref name="name"/> (public: anyone can compute it).</summary>
    public static byte[] SecretOfName(string name) => Secret(Encoding.UTF8.GetBytes(name));

    /// <summary>The secret as SipHash's two key words (little-endian halves, as SipHash reads a 16-byte key).</summary>
    public static (ulong K0, ulong K1) Keys(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != SecretLength)
            throw new ArgumentException($"a rendezvous secret is {SecretLength} bytes, not {secret.Length}", nameof(secret));
        return (BinaryPrimitives.ReadUInt64LittleEndian(secret), BinaryPrimitives.ReadUInt64LittleEndian(secret[8..]));
    }

    /// <summary>
    /// The interface identifier of <paramref name="slot"/> in the /64 whose upper 64 bits are
    /// <paramref name="prefixHi"/> (bytes 0-7 of the address read big-endian): SipHash-2-4 under the
    /// secret of the words (prefixHi, slot, c) for c = 0, 1, ..., the first that <see cref="Acceptable"/>
    /// takes; the 64-bit hash is the IID as a number (address bytes 8-15, big-endian).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Iid(ulong k0, ulong k1, ulong prefixHi, ulong slot)
    {
        var iid = 0UL;
        for (ulong c = 0; c < MaxCounter; c++)
        {
            iid = SipHash.Hash3(k0, k1, prefixHi, slot, c);
            if (Acceptable(iid))
                return iid;
        }

        return iid;
    }

    /// <summary>The rendezvous address of <paramref name="slot"/> in the /64 holding <paramref name="address"/>.</summary>
    public static UInt128 Address(ulong k0, ulong k1, UInt128 address, int slot)
    {
        var prefixHi = (ulong)(address >> 64);
        return ((UInt128)prefixHi << 64) | Iid(k0, k1, prefixHi, (ulong)slot);
    }

    /// <summary>
    /// An IID a host may hold and no one else means: not all zeros (the subnet-router anycast, RFC
    /// 4291), not fdff:ffff:ffff:ff80-ffff (reserved anycast, RFC 2526), not EUI-64-shaped (ff:fe in
    /// bytes 3-4, which would claim a MAC), not ISATAP (starting 0000:5efe or 0200:5efe, RFC 5214).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Acceptable(ulong iid) =>
        iid != 0
        && (iid & 0xFFFF_FFFF_FFFF_FF80UL) != 0xFDFF_FFFF_FFFF_FF80UL
        && ((iid >> 24) & 0xFFFF) != 0xFFFE
        && (iid >> 32) != 0x0000_5EFEUL
        && (iid >> 32) != 0x0200_5EFEUL;
}
