namespace Widescan.Plugin.Targets;

/// <summary>
/// Parses the RFC 4291 text of an IPv6 address straight from UTF-8 bytes, without allocating: the
/// targets-file loader reads up to 10^8 lines, and <see cref="Contracts.Ipv6Address.TryParse(ReadOnlySpan{char}, out UInt128)"/>
/// (over <see cref="System.Net.IPAddress"/>) costs a string and an object per line. It accepts exactly
/// what that parser accepts (a test compares the two on random and mutated text): 1-4 hex digits per
/// group, one <c>::</c> standing for at least one zero group, an optional dotted-quad tail; no zone,
/// brackets, prefix length or white space.
/// </summary>
internal static class Utf8Ipv6Parser
{
    /// <summary>Parses the address; false when the bytes are not exactly one IPv6 address.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out UInt128 address)
    {
        address = UInt128.Zero;
        Span<ushort> groups = stackalloc ushort[8];
        var count = 0;      // groups written
        var compress = -1;  // the group index where "::" stands, or -1
        var i = 0;
        if (text.Length >= 2 && text[0] == ':' && text[1] == ':')
        {
            compress = 0;
            i = 2;
            if (i == text.Length)
                return true;
        }

        while (true)
        {
            var start = i;
            var value = 0;
            while (i < text.Length && i - start < 5 && HexValue(text[i]) is var h and >= 0)
            {
                value = (value << 4) | h;
                i++;
            }

            if (i == start)
                return false;
            if (i < text.Length && text[i] == '.')
            {
                // A dotted quad fills the last two groups and ends the address.
                if (count > 6 || !TryParseIpv4(text[start..], out var v4))
                    return false;
                groups[count++] = (ushort)(v4 >> 16);
                groups[count++] = (ushort)v4;
                break;
            }

            if (i - start > 4 || count == 8)
                return false;
            groups[count++] = (ushort)value;
            if (i == text.Length)
                break;
            if (text[i] != ':')
                return false;
            i++;
            if (i < text.Length && text[i] == ':')
            {
                if (compress >= 0)
                    return false;
                compress = count;
                i++;
                if (i == text.Length)
                    break;
            }
            else if (i == text.Length)
            {
                return false;
            }
        }

        // "::" stands for one group or more; without it all eight are given.
        if (compress < 0 ? count != 8 : count > 7)
            return false;
        UInt128 result = 0;
        var zeros = 8 - count;
        for (var g = 0; g < count; g++)
        {
            if (g == compress)
                result <<= 16 * zeros;
            result = (result << 16) | groups[g];
        }

        if (compress == count)
            result <<= 16 * zeros;
        address = result;
        return true;
    }

    // Exactly as System.Net reads an IPv6 address's dotted quad (IPv4AddressHelper.IsValidCanonical):
    // four decimals of at most 255 each; "00" never starts one; a single leading zero ("01") is
    // refused in the first three parts but, as System.Net has it, not in the last ("1.2.3.04").
    private static bool TryParseIpv4(ReadOnlySpan<byte> text, out uint value)
    {
        value = 0;
        var dots = 0;
        var number = 0;
        var haveNumber = false;
        var leadingZero = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                if (!haveNumber && c == '0')
                {
                    if (i + 1 < text.Length && text[i + 1] == '0')
                        return false;
                    leadingZero = true;
                }

                haveNumber = true;
                number = number * 10 + (c - '0');
                if (number > 255)
                    return false;
            }
            else if (c == '.')
            {
                if (!haveNumber || (leadingZero && number != 0) || ++dots > 3)
                    return false;
                value = (value << 8) | (uint)number;
                haveNumber = false;
                leadingZero = false;
                number = 0;
            }
            else
            {
                return false;
            }
        }

        if (dots != 3 || !haveNumber)
            return false;
        value = (value << 8) | (uint)number;
        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
