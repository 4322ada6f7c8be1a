using System.Globalization;

namespace Widescan.Ripe;

/// <summary>Autonomous System numbers as RPSL writes them in <c>origin:</c> ("AS64500").</summary>
public static class AsNumber
{
    /// <summary>Parses "AS64500", "as64500" or "64500" (surrounding spaces allowed) into 64500.</summary>
    /// <returns>False when the text is not a 32-bit AS number.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out uint asn)
    {
        text = text.Trim();
        if (text.StartsWith("AS", StringComparison.OrdinalIgnoreCase))
            text = text[2..];
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out asn);
    }

    /// <summary>The RPSL form of an AS number: "AS64500".</summary>
    public static string Format(uint asn) => string.Create(CultureInfo.InvariantCulture, $"AS{asn}");
}
