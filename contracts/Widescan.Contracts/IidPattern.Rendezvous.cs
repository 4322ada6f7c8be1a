using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Widescan.Contracts;

/// <summary>The rendezvous pattern (docs/rendezvous.md): its secret, slots and key id, and its text form.</summary>
public sealed partial record IidPattern
{
    /// <summary>The slots a rendezvous pattern probes when none is given: room for two members in one /64.</summary>
    public const int DefaultRendezvousSlots = 2;

    /// <summary>The most slots a rendezvous pattern probes.</summary>
    public const int MaxRendezvousSlots = 16;

    /// <summary>Bytes of a rendezvous secret (the SipHash-2-4 key).</summary>
    public const int RendezvousSecretLength = 16;

    /// <summary>The HKDF info of the rendezvous secret, which keeps it apart from every other key drawn from the network key.</summary>
    public const string RendezvousInfo = "widescan rendezvous v1";

    private const string RendezvousName = "rendezvous";

    private const string RendezvousTextHasNoSecret =
        "a rendezvous pattern needs the network's secret, which its text does not hold: build it with IidPattern.Rendezvous (the secret from IidPattern.DeriveRendezvousSecret of the NetworkKey or a network name), or read it back with IidPattern.ParseRendezvous";

    /// <summary>Rendezvous: the secret the addresses are keyed with (16 bytes). Never logged: <see cref="KeyId"/> names it.</summary>
    public ReadOnlyMemory<byte> RendezvousSecret { get; private init; }

    /// <summary>Rendezvous: a second secret probed as well (the next key of a rollover), or empty.</summary>
    public ReadOnlyMemory<byte> RendezvousNextSecret { get; private init; }

    /// <summary>Rendezvous: the slots probed in each /64 (1 to <see cref="MaxRendezvousSlots"/>); 0 for other patterns.</summary>
    public int RendezvousSlots { get; private init; }

    /// <summary>
    /// Rendezvous: what logs, state files and the text form show instead of the secret: the first 8 hex
    /// digits of SHA-256(secret), and "+" and the next secret's when there is one; null for other patterns.
    /// </summary>
    public string? KeyId { get; private init; }

    /// <summary>
    /// The rendezvous secret of a network: HKDF-SHA256 of its key (or a keyless network's name as
    /// UTF-8), salt empty, info <see cref="RendezvousInfo"/>, 16 bytes. Knowing rendezvous addresses
    /// reveals nothing about the key the announces are authenticated with.
    /// </summary>
    /// <exception cref="ArgumentException">The key or name is empty.</exception>
    public static byte[] DeriveRendezvousSecret(ReadOnlySpan<byte> networkKeyOrName)
    {
        if (networkKeyOrName.IsEmpty)
            throw new ArgumentException("a rendezvous secret needs a network key or a network name", nameof(networkKeyOrName));
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, networkKeyOrName.ToArray(), RendezvousSecretLength, salt: [], info: Encoding.UTF8.GetBytes(RendezvousInfo));
    }

    /// <summary>The rendezvous secret of a keyless network named <paramref name="networkName"/>: public, since anyone who knows the name can compute it.</summary>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    public static byte[] DeriveRendezvousSecret(string networkName)
    {
        ArgumentNullException.ThrowIfNull(networkName);
        return DeriveRendezvousSecret(Encoding.UTF8.GetBytes(networkName));
    }

    /// <summary>The key id of a secret: the first 8 hex digits of its SHA-256, which tell keys apart and reveal nothing of them.</summary>
    public static string RendezvousKeyId(ReadOnlySpan<byte> secret) =>
        Convert.ToHexStringLower(SHA256.HashData(secret)[..4]);

    /// <summary>The rendezvous addresses of a secret: slots 0 to <paramref name="slots"/>-1 of every /64.</summary>
    /// <exception cref="ArgumentException">The secret is not 16 bytes, or the slots are not 1 to 16.</exception>
    public static IidPattern Rendezvous(ReadOnlySpan<byte> secret, int slots = DefaultRendezvousSlots) =>
        Rendezvous(secret, default, slots);

    /// <summary>
    /// The rendezvous addresses of two secrets at once (a key rollover's current and next key): twice
    /// the probes per /64, the current key's slots first.
    /// </summary>
    /// <exception cref="ArgumentException">A secret is not 16 bytes (the next one may be empty), or the slots are not 1 to 16.</exception>
    public static IidPattern Rendezvous(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> nextSecret, int slots)
    {
        if (secret.Length != RendezvousSecretLength)
            throw new ArgumentException($"a rendezvous secret is {RendezvousSecretLength} bytes, not {secret.Length}", nameof(secret));
        if (!nextSecret.IsEmpty && nextSecret.Length != RendezvousSecretLength)
            throw new ArgumentException($"a rendezvous secret is {RendezvousSecretLength} bytes, not {nextSecret.Length}", nameof(nextSecret));
        if (slots is < 1 or > MaxRendezvousSlots)
            throw new ArgumentException($"rendezvous slots {slots} out of range (1-{MaxRendezvousSlots})", nameof(slots));
        var keyId = RendezvousKeyId(secret) + (nextSecret.IsEmpty ? "" : "+" + RendezvousKeyId(nextSecret));
        return new IidPattern(IidPatternKind.Rendezvous)
        {
            // Copies: a caller's buffer changing later must not change the addresses.
            RendezvousSecret = secret.ToArray(),
            RendezvousNextSecret = nextSecret.ToArray(),
            RendezvousSlots = slots,
            KeyId = keyId,
        };
    }

    /// <summary>
    /// The rendezvous address of <paramref name="slot"/> in the /64 that holds <paramref name="address"/>
    /// under this pattern's secret, or under its next secret with <paramref name="next"/>: what a member
    /// claims and a scan probes (docs/rendezvous.md).
    /// </summary>
    /// <exception cref="InvalidOperationException">The pattern is not a rendezvous pattern, or has no next secret.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The slot is not below <see cref="RendezvousSlots"/>.</exception>
    public UInt128 RendezvousAddress(UInt128 address, int slot, bool next = false)
    {
        if (Kind != IidPatternKind.Rendezvous)
            throw new InvalidOperationException($"IID pattern {this} is not a rendezvous pattern");
        if (next && RendezvousNextSecret.IsEmpty)
            throw new InvalidOperationException("this rendezvous pattern has no next secret");
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, RendezvousSlots);
        return RendezvousDerivation.Address((next ? RendezvousNextSecret : RendezvousSecret).Span, address, slot);
    }

    /// <summary>
    /// Reads back the text form of a rendezvous pattern (<c>rendezvous</c>, <c>rendezvous:slots=N</c>,
    /// optionally <c>,key=ID</c> or <c>,key=ID+ID</c>) with the secrets its text cannot hold. A key id in
    /// the text must be that of the secrets given: a state saved under one key is not resumed under another.
    /// </summary>
    /// <exception cref="FormatException">The text is not a rendezvous form, or its key id is not the secrets'; the message says which.</exception>
    public static IidPattern ParseRendezvous(string text, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> nextSecret = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (!IsRendezvousText(trimmed))
            throw new FormatException($"IID pattern '{text}' is not a rendezvous pattern (rendezvous[:slots=N[,key=ID]])");
        var slots = DefaultRendezvousSlots;
        string? keyId = null;
        var rest = trimmed.Length > RendezvousName.Length ? trimmed[(RendezvousName.Length + 1)..] : "";
        foreach (var part in rest.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("slots=", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(part.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                slots = n;
            else if (part.StartsWith("key=", StringComparison.OrdinalIgnoreCase))
                keyId = part[4..].ToLowerInvariant();
            else
                throw new FormatException($"IID pattern '{text}': '{part}' is neither slots=N nor key=ID");
        }

        IidPattern pattern;
        try
        {
            pattern = Rendezvous(secret, nextSecret, slots);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"IID pattern '{text}': {e.Message}", e);
        }

        if (keyId is not null && keyId != pattern.KeyId)
            throw new FormatException($"IID pattern '{text}' was made with the rendezvous key id {keyId}, and the secret given has the key id {pattern.KeyId}: use the network key or name it was made with");
        return pattern;
    }

    private static bool IsRendezvousText(string text) =>
        text.Equals(RendezvousName, StringComparison.OrdinalIgnoreCase)
        || text.StartsWith(RendezvousName + ":", StringComparison.OrdinalIgnoreCase);

    private string RendezvousText() => $"{RendezvousName}:slots={RendezvousSlots},key={KeyId}";
}
