using System.ComponentModel;
using System.Globalization;

namespace Widescan.Contracts;

/// <summary>
/// The window of one include prefix (<see cref="TargetSpec.PrefixWindows"/>): scan one target set per
/// /<see cref="SubnetBits"/> inside <see cref="Prefix"/>. Its text is a prefix-list line's,
/// "2001:db8::/48 window=/56", which configuration can give (a prefix cannot be a configuration key:
/// its colons are the key separator), as can an object with Prefix and SubnetBits.
/// </summary>
/// <param name="Prefix">An include prefix.</param>
/// <param name="SubnetBits">The length of its subnets, from the prefix's length to 128.</param>
[TypeConverter(typeof(PrefixWindowConverter))]
public readonly record struct PrefixWindow(Ipv6Prefix Prefix, int SubnetBits)
{
    /// <summary>Parses "PREFIX window=/N".</summary>
    /// <exception cref="FormatException">Not a prefix with a window; the message says what is wrong.</exception>
    public static PrefixWindow Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!PrefixList.TryParseLine(text, out var entry, out var error))
            throw new FormatException($"prefix window '{text}': {error}");
        if (entry is not { SubnetBits: { } bits })
            throw new FormatException($"prefix window '{text}' has no window: write it as 2001:db8::/48 {PrefixList.WindowToken}56");
        return new PrefixWindow(entry.Prefix, bits);
    }

    /// <summary>"PREFIX window=/N", which <see cref="Parse"/> reads back.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Prefix} {PrefixList.WindowToken}{SubnetBits}");
}

/// <summary>Reads and writes <see cref="PrefixWindow"/> as "2001:db8::/48 window=/56".</summary>
internal sealed class PrefixWindowConverter : TextConverter<PrefixWindow>
{
    /// <inheritdoc />
    protected override PrefixWindow Parse(string text) => PrefixWindow.Parse(text);
}
