using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Widescan.Plugin.Probing;

/// <summary>
/// The per-scan secret and the stateless checks derived from it (zmap's validate.c idea): the 32-bit
/// echo identifier + sequence of a probe is a keyed function of its destination and timestamp, so a
/// reply is matched by recomputing the tag from the reply's source and the timestamp it echoes.
/// </summary>
/// <remarks>
/// Only the destination (not the source) is hashed: on the raw-socket path the kernel picks the source
/// address, so it is not known when the probe is written, and the reply's source alone identifies the
/// target. The timestamp is hashed too, so an echo with an altered timestamp (a forged round trip)
/// fails the tag. The secret is random per scan and never leaves the process.
/// </remarks>
internal sealed class ValidationTag
{
    /// <summary>Length of the secret (a SipHash key).</summary>
    public const int SecretLength = 16;

    // Domain-separation word so that the probe nonce is never equal to any tag computation.
    private const ulong NonceDomain = 0x57534e4f4e434500UL; // "WSNONCE\0"

    private readonly ulong _k0;
    private readonly ulong _k1;

    /// <summary>Creates the tag function from a 16-byte secret.</summary>
    /// <exception cref="ArgumentException">The secret is not 16 bytes.</exception>
    public ValidationTag(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != SecretLength)
            throw new ArgumentException($"the validation secret is {secret.Length} bytes; it must be {SecretLength}", nameof(secret));
        _k0 = BinaryPrimitives.ReadUInt64LittleEndian(secret);
        _k1 = BinaryPrimitives.ReadUInt64LittleEndian(secret[8..]);
        ProbeNonce = SipHash.Hash3(_k0, _k1, NonceDomain, 0, 0);
    }

    /// <summary>A fresh random secret, one per scan.</summary>
    public static ValidationTag NewRandom()
    {
        Span<byte> secret = stackalloc byte[SecretLength];
        RandomNumberGenerator.Fill(secret);
        return new ValidationTag(secret);
    }

    /// <summary>The nonce every probe of this scan carries; an echo with another nonce is not ours.</summary>
    public ulong ProbeNonce { get; }

    /// <summary>
    /// The tag for a probe to <paramref name="destination"/> stamped <paramref name="timestampMs"/>: the
    /// low 32 bits of SipHash-2-4 over the 16 address bytes (network order) and the 8 timestamp bytes
    /// (big-endian). Identifier = high 16 bits, sequence = low 16 bits.
    /// </summary>
    public uint Compute(UInt128 destination, ulong timestampMs)
    {
        // SipHash reads its message as little-endian words; the message bytes are the address and
        // timestamp in network order, so each word is the byte-reversed big-endian half.
        ulong m0 = BinaryPrimitives.ReverseEndianness((ulong)(destination >> 64));
        ulong m1 = BinaryPrimitives.ReverseEndianness((ulong)destination);
        ulong m2 = BinaryPrimitives.ReverseEndianness(timestampMs);
        return (uint)SipHash.Hash3(_k0, _k1, m0, m1, m2);
    }
}
