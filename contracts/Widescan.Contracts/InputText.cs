using System.Globalization;
using System.Text;

namespace Widescan.Contracts;

/// <summary>
/// Input text as error messages may echo it: a hostile or mistaken file (a binary, a private file
/// behind a symbolic link, terminal escape sequences) must neither reach an operator's terminal as
/// control or invisible characters nor fill a message with kilobytes of its content.
/// </summary>
public static class InputText
{
    /// <summary>The most characters of input an excerpt shows (its escapes counted), before the ellipsis.</summary>
    public const int ExcerptLength = 48;

    /// <summary>What an excerpt ends with when the input was longer.</summary>
    public const string Ellipsis = "…";

    /// <summary>
    /// The text with every character that does not print as itself escaped: controls (C0, DEL, C1) as
    /// <c>\xHH</c>; format characters (bidirectional controls, zero-width characters, the byte-order
    /// mark U+FEFF), line and paragraph separators and lone surrogates as <c>\u{HHHH}</c>. The same
    /// string when there is none.
    /// </summary>
    public static string Escape(ReadOnlySpan<char> text)
    {
        var first = IndexOfUnsafe(text);
        if (first < 0)
            return text.ToString();
        var escaped = new StringBuilder(text.Length + 16);
        escaped.Append(text[..first]);
        for (var i = first; i < text.Length; i++)
            AppendEscaped(escaped, text, ref i);
        return escaped.ToString();
    }

    /// <summary>
    /// At most <see cref="ExcerptLength"/> characters of the text, escaped as by <see cref="Escape"/>,
    /// followed by <see cref="Ellipsis"/> when anything was cut.
    /// </summary>
    public static string Excerpt(ReadOnlySpan<char> text)
    {
        var excerpt = new StringBuilder(ExcerptLength + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var before = excerpt.Length;
            AppendEscaped(excerpt, text, ref i);
            if (excerpt.Length > ExcerptLength)
                return excerpt.Remove(before, excerpt.Length - before).Append(Ellipsis).ToString();
            if (excerpt.Length == ExcerptLength && i + 1 < text.Length)
                return excerpt.Append(Ellipsis).ToString();
        }

        return excerpt.ToString();
    }

    /// <summary>Whether the character is escaped by <see cref="Escape"/> (a surrogate counts alone; a pair is kept).</summary>
    public static bool IsUnsafe(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static int IndexOfUnsafe(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text[i]) || IsLoneSurrogate(text, i))
                return i;
        }

        return -1;
    }

    // Appends text[i] (and its low surrogate, advancing i) as itself or escaped.
    private static void AppendEscaped(StringBuilder into, ReadOnlySpan<char> text, ref int i)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            into.Append(c).Append(text[++i]);
        }
        else if (!IsUnsafe(c) && !char.IsSurrogate(c))
        {
            into.Append(c);
        }
        else if (c <= 0xff)
        {
            into.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
        }
        else
        {
            into.Append(CultureInfo.InvariantCulture, $"\\u{{{(int)c:x4}}}");
        }
    }

    private static bool IsLoneSurrogate(ReadOnlySpan<char> text, int i) => text[i] switch
    {
        var c when char.IsHighSurrogate(c) => i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]),
        var c when char.IsLowSurrogate(c) => i == 0 || !char.IsHighSurrogate(text[i - 1]),
        _ => false,
    };
}
