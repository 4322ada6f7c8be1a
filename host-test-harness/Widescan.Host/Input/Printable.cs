using System.Globalization;
using System.Text;

namespace Widescan.Host.Input;

/// <summary>
/// Makes text from input safe to print on a terminal: a hostile file or flag must not reach the
/// operator's terminal as escape sequences (ESC, CSI, bidirectional overrides), nor break a message
/// over lines.
/// </summary>
internal static class Printable
{
    /// <summary>
    /// <paramref name="text"/> with every control character (C0, DEL, C1) and every bidirectional
    /// control written as <c>\xHH</c> or <c>\u{HHHH}</c>; the same string when there is none.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = IndexOfUnsafe(text);
        if (first < 0)
            return text;

        var escaped = new StringBuilder(text.Length + 16);
        escaped.Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (!IsUnsafe(c))
                escaped.Append(c);
            else if (c <= 0xff)
                escaped.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            else
                escaped.Append(CultureInfo.InvariantCulture, $"\\u{{{(int)c:x4}}}");
        }

        return escaped.ToString();
    }

    private static int IndexOfUnsafe(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text[i]))
                return i;
        }

        return -1;
    }

    // U+202A-U+202E and U+2066-U+2069 reorder what follows them on screen (the "Trojan Source" trick).
    private static bool IsUnsafe(char c) => char.IsControl(c) || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069';
}
