using System.ComponentModel;
using System.Globalization;

namespace Widescan.Contracts;

/// <summary>
/// Immutable bytes with a text form, for the options that hold bytes (<see cref="WidescanOptions.NetworkKey"/>,
/// <see cref="WidescanOptions.NextNetworkKey"/>, <see cref="WidescanOptions.ApplicationData"/>), so that
/// configuration can give them: "hex:…" or "base64:…", or bare text, read as hex when it is only hex
/// digits (what <c>openssl rand -hex 32</c> writes) and as base64 otherwise. <see cref="ToString"/>
/// shows only the length, so options written to a log never carry a key; <see cref="ToHex"/> gives the bytes.
/// </summary>
[TypeConverter(typeof(ByteStringConverter))]
public readonly struct ByteString : IEquatable<ByteString>
{
    private const string HexPrefix = "hex:";
    private const string Base64Prefix = "base64:";
    private readonly ReadOnlyMemory<byte> bytes;

    /// <summary>A copy of <paramref name="bytes"/>: a caller's buffer changing later changes nothing here.</summary>
    public ByteString(ReadOnlySpan<byte> bytes) => this.bytes = bytes.ToArray();

    private ByteString(byte[] owned, bool _) => bytes = owned;

    /// <summary>No bytes.</summary>
    public static ByteString Empty => default;

    /// <summary>The bytes.</summary>
    public ReadOnlyMemory<byte> Memory => bytes;

    /// <summary>The bytes.</summary>
    public ReadOnlySpan<byte> Span => bytes.Span;

    /// <summary>How many bytes.</summary>
    public int Length => bytes.Length;

    /// <summary>Whether there are none.</summary>
    public bool IsEmpty => bytes.IsEmpty;

    /// <summary>
    /// Parses "hex:…", "base64:…", or bare text: hex when it is only hex digits (an even number), else base64.
    /// Blank text is no bytes.
    /// </summary>
    /// <exception cref="FormatException">Neither hex nor base64; the message names both forms.</exception>
    public static ByteString Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
            return Empty;
        if (trimmed.StartsWith(HexPrefix, StringComparison.OrdinalIgnoreCase))
            return FromHex(trimmed[HexPrefix.Length..]);
        if (trimmed.StartsWith(Base64Prefix, StringComparison.OrdinalIgnoreCase))
            return FromBase64(trimmed[Base64Prefix.Length..]);
        return trimmed.AsSpan().ContainsAnyExcept(HexDigits) ? FromBase64(trimmed) : FromHex(trimmed);
    }

    /// <summary>Lower-case hex of the bytes (no prefix), which <see cref="Parse"/> reads back.</summary>
    public string ToHex() => Convert.ToHexStringLower(bytes.Span);

    /// <summary>A copy of the bytes.</summary>
    public byte[] ToArray() => bytes.ToArray();

    /// <summary>The length only ("32 bytes"): a key must not reach a log through the options' text.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Length} bytes");

    /// <inheritdoc />
    public bool Equals(ByteString other) => bytes.Span.SequenceEqual(other.bytes.Span);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ByteString other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(bytes.Span);
        return hash.ToHashCode();
    }

    /// <summary>Equal bytes.</summary>
    public static bool operator ==(ByteString left, ByteString right) => left.Equals(right);

    /// <summary>Different bytes.</summary>
    public static bool operator !=(ByteString left, ByteString right) => !left.Equals(right);

    /// <summary>A copy of the array's bytes (null is no bytes).</summary>
    public static implicit operator ByteString(byte[]? bytes) => new(bytes);

    /// <summary>A copy of the bytes.</summary>
    public static implicit operator ByteString(ReadOnlyMemory<byte> bytes) => new(bytes.Span);

    /// <summary>The bytes.</summary>
    public static implicit operator ReadOnlyMemory<byte>(ByteString value) => value.bytes;

    /// <summary>The bytes.</summary>
    public static implicit operator ReadOnlySpan<byte>(ByteString value) => value.bytes.Span;

    private static readonly System.Buffers.SearchValues<char> HexDigits =
        System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private static ByteString FromHex(string hex)
    {
        if (hex.Length % 2 != 0 || hex.AsSpan().ContainsAnyExcept(HexDigits))
            throw new FormatException($"'{Shown(hex)}' is not hex bytes (an even number of hex digits): give hex:0123…, or base64:… for base64");
        return new ByteString(Convert.FromHexString(hex), false);
    }

    private static ByteString FromBase64(string base64)
    {
        var buffer = new byte[base64.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64String(base64, buffer, out var written))
            throw new FormatException($"'{Shown(base64)}' is neither hex digits nor base64: give hex:0123… or base64:…");
        return new ByteString(buffer[..written], false);
    }

    // A malformed key is still mostly a key: show only its start.
    private static string Shown(string text) => text.Length <= 8 ? text : text[..4] + "…(" + text.Length.ToString(CultureInfo.InvariantCulture) + " characters)";
}
