using System.ComponentModel;
using System.Globalization;

namespace Widescan.Contracts;

/// <summary>
/// The string <see cref="TypeConverter"/> of a contracts value type, so that configuration binders
/// (Microsoft.Extensions.Configuration.Binder asks <see cref="TypeDescriptor"/>) read it from its text
/// form and write it back: a value that does not parse throws with the type's own message, never binds
/// to a default.
/// </summary>
internal abstract class TextConverter<T> : TypeConverter
{
    /// <inheritdoc />
    public sealed override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    /// <inheritdoc />
    public sealed override bool CanConvertTo(ITypeDescriptorContext? context, Type? destinationType) =>
        destinationType == typeof(string) || base.CanConvertTo(context, destinationType);

    /// <inheritdoc />
    public sealed override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? Parse(text) : base.ConvertFrom(context, culture, value);

    /// <inheritdoc />
    public sealed override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is T typed ? Format(typed) : base.ConvertTo(context, culture, value, destinationType);

    /// <summary>Parses the text form; throws <see cref="FormatException"/> naming what is wrong.</summary>
    protected abstract T Parse(string text);

    /// <summary>The text form that <see cref="Parse"/> reads back.</summary>
    protected virtual string Format(T value) => value?.ToString() ?? "";
}

/// <summary>Reads and writes <see cref="Ipv6Prefix"/> as "2001:db8::/32".</summary>
internal sealed class Ipv6PrefixConverter : TextConverter<Ipv6Prefix>
{
    /// <inheritdoc />
    protected override Ipv6Prefix Parse(string text) => Ipv6Prefix.Parse(text);
}

/// <summary>Reads and writes <see cref="Ipv6Host"/> as "2001:db8::1".</summary>
internal sealed class Ipv6HostConverter : TextConverter<Ipv6Host>
{
    /// <inheritdoc />
    protected override Ipv6Host Parse(string text) => Ipv6Host.Parse(text);
}

/// <summary>Reads and writes <see cref="NodeId"/> as 32 hex digits.</summary>
internal sealed class NodeIdConverter : TextConverter<NodeId>
{
    /// <inheritdoc />
    protected override NodeId Parse(string text) => NodeId.Parse(text);
}

/// <summary>Reads and writes <see cref="ShardSpec"/> as "I/N".</summary>
internal sealed class ShardSpecConverter : TextConverter<ShardSpec>
{
    /// <inheritdoc />
    protected override ShardSpec Parse(string text) => ShardSpec.Parse(text);
}

/// <summary>
/// Reads and writes <see cref="IidPattern"/> in its command-line forms. A rendezvous pattern cannot
/// come from text (its secret is not in it): configuration gives <see cref="RendezvousOptions"/> and a
/// network key, and the host builds the pattern; the text says so rather than binding something else.
/// </summary>
internal sealed class IidPatternConverter : TextConverter<IidPattern>
{
    /// <inheritdoc />
    protected override IidPattern Parse(string text) => IidPattern.Parse(text);
}

/// <summary>Reads <see cref="ByteString"/> from "hex:…", "base64:…" or bare hex or base64; writes "hex:…".</summary>
internal sealed class ByteStringConverter : TextConverter<ByteString>
{
    /// <inheritdoc />
    protected override ByteString Parse(string text) => ByteString.Parse(text);

    /// <inheritdoc />
    protected override string Format(ByteString value) => "hex:" + value.ToHex();
}
