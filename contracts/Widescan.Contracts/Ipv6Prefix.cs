using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Widescan.Contracts;

/// <summary>
/// An IPv6 prefix: a network address held as <see cref="UInt128"/> and a length of 0 to 128 bits.
/// The host bits of <see cref="Network"/> are always zero.
/// </summary>
[TypeConverter(typeof(Ipv6PrefixConverter))]
public readonly struct Ipv6Prefix : IEquatable<Ipv6Prefix>, IComparable<Ipv6Prefix>, ISpanParsable<Ipv6Prefix>, ISpanFormattable
{
    /// <summary>The longest text of a prefix in canonical form: an address, "/" and three digits.</summary>
    public const int MaxTextLength = Ipv6Address.MaxTextLength + 4;

    private readonly byte length;

    /// <summary>Creates a prefix; the network must have no bits set past the length.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is not 0 to 128.</exception>
    /// <exception cref="ArgumentException">The network has host bits set.</exception>
    public Ipv6Prefix(UInt128 network, int length)
    {
        if (length is < 0 or > 128)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"length {length} out of range (0-128)");
        if ((network & ~MaskOf(length)) != 0)
            throw new ArgumentException($"{Ipv6Address.Format(network)}/{length} has host bits set", nameof(network));
        Network = network;
        this.length = (byte)length;
    }

    /// <summary>The first address of the prefix; its host bits are zero.</summary>
    public UInt128 Network { get; }

    /// <summary>The number of leading bits fixed by the prefix (0 to 128).</summary>
    public int Length => length;

    /// <summary>The number of bits left to the hosts: 128 minus <see cref="Length"/>.</summary>
    public int HostBits => 128 - length;

    /// <summary>The mask of the fixed bits.</summary>
    public UInt128 Mask => MaskOf(length);

    /// <summary>The last address of the prefix.</summary>
    public UInt128 LastAddress => Network | ~Mask;

    /// <summary>
    /// The number of addresses in the prefix, 2^(128 - Length). The whole space, ::/0, holds 2^128
    /// addresses, one more than <see cref="UInt128"/> can hold: it reports <see cref="UInt128.MaxValue"/>.
    /// </summary>
    public UInt128 Size => length == 0 ? UInt128.MaxValue : UInt128.One << (128 - length);

    /// <summary>Whether the address lies inside the prefix.</summary>
    public bool Contains(UInt128 address) => (address & Mask) == Network;

    /// <summary>Whether every address of <paramref name="other"/> lies inside this prefix.</summary>
    public bool Contains(Ipv6Prefix other) => other.length >= length && Contains(other.Network);

    /// <summary>Whether the two prefixes share any address (one then contains the other).</summary>
    public bool Overlaps(Ipv6Prefix other) => Contains(other) || other.Contains(this);

    /// <summary>The mask with the first <paramref name="length"/> bits set.</summary>
    public static UInt128 MaskOf(int length) =>
        length <= 0 ? UInt128.Zero : length >= 128 ? UInt128.MaxValue : UInt128.MaxValue << (128 - length);

    /// <summary>
    /// Parses "address/length" in any RFC 4291 address form (compressed, leading zeros, upper case,
    /// embedded IPv4). A bare address means a /128.
    /// </summary>
    /// <exception cref="FormatException">The text is not a valid prefix; the message names the problem.</exception>
    public static Ipv6Prefix Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var prefix, out var error) ? prefix : throw new FormatException(error);
    }

    /// <summary>Parses a prefix; see <see cref="Parse(string)"/>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv6Prefix prefix) =>
        TryParse(text.AsSpan(), out prefix, out _);

    /// <summary>Parses a prefix and, on failure, says what is wrong in <paramref name="error"/>.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Ipv6Prefix prefix, [NotNullWhen(false)] out string? error)
    {
        prefix = default;
        text = text.Trim();
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        var length = 128;
        if (slash >= 0)
        {
            var lengthText = text[(slash + 1)..];
            if (lengthText.IsEmpty || lengthText.Length > 4 || !lengthText.ContainsOnlyDigits())
            {
                error = $"'{InputText.Excerpt(text)}' is not an IPv6 prefix: the length '{InputText.Excerpt(lengthText)}' is not a number";
                return false;
            }

            length = int.Parse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture);
            if (length > 128)
            {
                error = $"'{InputText.Excerpt(text)}': length {length} out of range (0-128)";
                return false;
            }
        }

        if (!Ipv6Address.TryParse(addressText, out var network, out _))
        {
            error = $"'{InputText.Excerpt(text)}' is not an IPv6 prefix";
            return false;
        }

        if ((network & ~MaskOf(length)) != 0)
        {
            error = $"{text} has host bits set (the network of that length is {Ipv6Address.Format(network & MaskOf(length))}/{length})";
            return false;
        }

        prefix = new Ipv6Prefix(network, length);
        error = null;
        return true;
    }

    /// <inheritdoc />
    public static Ipv6Prefix Parse(string s, IFormatProvider? provider) => Parse(s);

    /// <inheritdoc />
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Ipv6Prefix result) =>
        TryParse(s, out result);

    /// <inheritdoc />
    public static Ipv6Prefix Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, out var prefix, out var error) ? prefix : throw new FormatException(error);

    /// <inheritdoc />
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Ipv6Prefix result) =>
        TryParse(s, out result, out _);

    /// <summary>The canonical RFC 5952 text of the network, a slash and the length.</summary>
    public override string ToString()
    {
        Span<char> buffer = stackalloc char[MaxTextLength];
        TryFormat(buffer, out var written, default, null);
        return new string(buffer[..written]);
    }

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        charsWritten = 0;
        if (!Ipv6Address.TryFormat(Network, destination, out var n) || n >= destination.Length)
            return false;
        destination[n++] = '/';
        if (!length.TryFormat(destination[n..], out var m, default, CultureInfo.InvariantCulture))
            return false;
        charsWritten = n + m;
        return true;
    }

    /// <inheritdoc />
    public bool Equals(Ipv6Prefix other) => Network == other.Network && length == other.length;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Ipv6Prefix other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Network, length);

    /// <summary>Orders by network address, then by length (shorter first).</summary>
    public int CompareTo(Ipv6Prefix other)
    {
        var c = Network.CompareTo(other.Network);
        return c != 0 ? c : length.CompareTo(other.length);
    }

    /// <summary>Equality of network and length.</summary>
    public static bool operator ==(Ipv6Prefix left, Ipv6Prefix right) => left.Equals(right);

    /// <summary>Inequality of network or length.</summary>
    public static bool operator !=(Ipv6Prefix left, Ipv6Prefix right) => !left.Equals(right);

    /// <summary>Ordering, see <see cref="CompareTo"/>.</summary>
    public static bool operator <(Ipv6Prefix left, Ipv6Prefix right) => left.CompareTo(right) < 0;

    /// <summary>Ordering, see <see cref="CompareTo"/>.</summary>
    public static bool operator >(Ipv6Prefix left, Ipv6Prefix right) => left.CompareTo(right) > 0;

    /// <summary>Ordering, see <see cref="CompareTo"/>.</summary>
    public static bool operator <=(Ipv6Prefix left, Ipv6Prefix right) => left.CompareTo(right) <= 0;

    /// <summary>Ordering, see <see cref="CompareTo"/>.</summary>
    public static bool operator >=(Ipv6Prefix left, Ipv6Prefix right) => left.CompareTo(right) >= 0;
}
