using Widescan.Contracts;

namespace Widescan.Host.Input;

/// <summary>
/// Makes text from input safe to print on a terminal: a hostile file or flag must not reach the
/// operator's terminal as escape sequences (ESC, CSI, bidirectional overrides) or invisible
/// characters (U+FEFF, zero-width spaces), nor break a message over lines.
/// </summary>
internal static class Printable
{
    /// <summary>
    /// <paramref name="text"/> with every control, format and separator character written as
    /// <c>\xHH</c> or <c>\u{HHHH}</c> (<see cref="InputText.Escape"/>); the same string when there is none.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            if (InputText.IsUnsafe(c) || char.IsSurrogate(c))
                return InputText.Escape(text);
        }

        return text;
    }
}
