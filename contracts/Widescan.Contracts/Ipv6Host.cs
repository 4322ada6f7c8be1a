using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;

namespace Widescan.Contracts;

/// <summary>
/// One IPv6 address as a value with a text form, where an option holds a single address
/// (<see cref="WidescanOptions.SourceAddress"/>): configuration writes "2001:db8::1", and the value
/// converts to and from the <see cref="UInt128"/> that Widescan computes with.
/// </summary>
/// <param name="Value">The address; its most significant bit is the first on the wire.</param>
[TypeConverter(typeof(Ipv6HostConverter))]
public readonly record struct Ipv6Host(UInt128 Value)
{
    /// <summary>Parses any RFC 4291 text form of an address (see <see cref="Ipv6Address.Parse"/>).</summary>
    /// <exception cref="FormatException">Not an IPv6 address; the message says why.</exception>
    public static Ipv6Host Parse(string text) => new(Ipv6Address.Parse(text));

    /// <summary>Parses an address; false when the text is not one.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv6Host host)
    {
        var ok = Ipv6Address.TryParse(text, out var value);
        host = new Ipv6Host(value);
        return ok;
    }

    /// <summary>The canonical RFC 5952 text, which <see cref="Parse"/> reads back.</summary>
    public override string ToString() => Ipv6Address.Format(Value);

    /// <summary>The address as Widescan computes with it.</summary>
    public static implicit operator UInt128(Ipv6Host host) => host.Value;

    /// <summary>An address held as <see cref="UInt128"/>.</summary>
    public static implicit operator Ipv6Host(UInt128 value) => new(value);
}
