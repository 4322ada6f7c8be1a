using System.Text;
using Widescan.Contracts;

namespace Widescan.Plugin.Targets;

/// <summary>
/// Reads the address lines of one targets file in fixed blocks, a line at a time as a span of bytes:
/// nothing is allocated per line (a bad line's text becomes a string only for its error). The
/// format is the address lines of a prefix file: one address per line (a <c>/128</c> suffix
/// allowed), <c>#</c> starts a comment, blank lines and surrounding spaces, tabs and CR ignored.
/// </summary>
internal sealed class TargetListFile
{
    /// <summary>The longest line accepted, as for a prefix file: an address with a comment takes far less.</summary>
    public const int MaxLineBytes = 4096;

    /// <summary>The most bad lines listed per file; the rest are counted.</summary>
    public const int ListedLineErrors = 20;

    // 1 MiB blocks: large enough that a read costs little per line, small beside the list itself.
    private const int BlockBytes = 1 << 20;

    private readonly string path;

    public TargetListFile(string path)
    {
        this.path = path;
        Name = System.IO.Path.GetFileName(path);
    }

    /// <summary>The file name as messages show it.</summary>
    public string Name { get; }

    /// <summary>
    /// The first pass: how many address lines the file holds (not yet parsed), or null with the one
    /// reason the file is refused (binary, a line over the cap, unreadable) in <paramref name="error"/>.
    /// </summary>
    public long? CountAddressLines(out string? error)
    {
        long lines = 0;
        error = Scan((_, line) =>
        {
            if (!Content(line).IsEmpty)
                lines++;
            return true;
        });
        return error is null ? lines : null;
    }

    /// <summary>
    /// The second pass: parses every address line into <paramref name="into"/> from
    /// <paramref name="written"/> on; a bad line is added to <paramref name="errors"/> (at most
    /// <see cref="ListedLineErrors"/>, the rest counted in the return value's second item).
    /// </summary>
    /// <returns>False, with the reason in errors, when the file is refused as a whole or grew since the first pass.</returns>
    public bool Parse(UInt128[] into, ref long written, List<string> errors, out int badLines)
    {
        var bad = 0;
        var at = written;
        var grew = false;
        var problem = Scan((number, line) =>
        {
            var text = Content(line);
            if (text.IsEmpty)
                return true;
            if (!TryParseLine(text, out var address, out var why))
            {
                if (++bad <= ListedLineErrors)
                    errors.Add($"TargetFiles {Name}: line {number}: {why}");
                return true;
            }

            if (at == into.Length)
            {
                grew = true;
                return false;
            }

            into[at++] = address;
            return true;
        });
        badLines = bad;
        written = at;
        if (problem is not null)
        {
            errors.Add(problem);
            return false;
        }

        if (grew)
        {
            errors.Add($"TargetFiles {Name} changed while it was read (it holds more addresses than a moment before): read it again once it is complete");
            return false;
        }

        if (bad > ListedLineErrors)
            errors.Add($"TargetFiles {Name}: and {bad - ListedLineErrors} more bad lines not listed");
        return bad == 0;
    }

    /// <summary>The first well-formed address of the file (what routes and sources are chosen by), or null.</summary>
    public UInt128? FirstAddress()
    {
        UInt128? first = null;
        Scan((_, line) =>
        {
            var text = Content(line);
            if (!text.IsEmpty && TryParseLine(text, out var address, out string? _))
                first = address;
            return first is null;
        });
        return first;
    }

    // The line without its comment and surrounding blanks; empty for a blank or comment line.
    private static ReadOnlySpan<byte> Content(ReadOnlySpan<byte> line)
    {
        var hash = line.IndexOf((byte)'#');
        if (hash >= 0)
            line = line[..hash];
        return line.Trim(" \t\r"u8);
    }

    // One address (or address/128), else false with why not (the only place a line allocates).
    private static bool TryParseLine(ReadOnlySpan<byte> text, out UInt128 value, out string? why)
    {
        value = UInt128.Zero;
        why = null;
        var slash = text.IndexOf((byte)'/');
        var address = slash < 0 ? text : text[..slash];
        if (Utf8Ipv6Parser.TryParse(address, out value) && (slash < 0 || text[(slash + 1)..].SequenceEqual("128"u8)))
            return true;
        if (text.IndexOfAny(" \t"u8) is var blank and >= 0)
            why = $"unexpected '{Show(text[blank..].TrimStart(" \t"u8))}' after '{Show(text[..blank])}': a line holds one address and an optional # comment";
        else if (!Utf8Ipv6Parser.TryParse(address, out _))
            why = $"'{Show(address)}' is not an IPv6 address";
        else if (Ipv6Prefix.TryParse(Show(text), out var prefix, out _))
            why = $"{prefix} is a prefix of more than one address: a targets file lists addresses (a /128 at most); scan prefixes as include prefixes";
        else
            why = $"'{Show(text[slash..])}' after {Ipv6Address.Format(value)}: a targets file lists addresses, optionally as /128";
        return false;
    }

    private static string Show(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    // Calls take(lineNumber, line) for each line (LF or CRLF; CR is trimmed by Content) until it
    // returns false. Returns the
    // reason the file is refused whole, or null: a NUL byte (a binary file: its "lines" are noise and
    // are not listed), a line over the cap, or an I/O error.
    private string? Scan(LineAction take)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
            var buffer = new byte[BlockBytes + MaxLineBytes + 2];
            var end = 0;
            long offset = 0;
            long number = 0;
            while (true)
            {
                var n = stream.Read(buffer, end, buffer.Length - end);
                if (n > 0 && buffer.AsSpan(end, n).IndexOf((byte)0) is var nul and >= 0)
                    return $"TargetFiles {Name} looks binary (NUL byte at offset {offset + end + nul}): a targets file is text, one address per line";
                var filled = end + n;
                var start = 0;
                while (true)
                {
                    var newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n');
                    if (newline < 0)
                        break;
                    if (newline > MaxLineBytes + 1)
                        return TooLong(number + 1);
                    if (!take(++number, buffer.AsSpan(start, newline)))
                        return null;
                    start += newline + 1;
                }

                var pending = filled - start;
                if (pending > MaxLineBytes + 1)
                    return TooLong(number + 1);
                if (n == 0)
                {
                    if (pending > 0)
                        take(++number, buffer.AsSpan(start, pending));
                    return null;
                }

                buffer.AsSpan(start, pending).CopyTo(buffer);
                offset += start;
                end = pending;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"TargetFiles {path}: {e.Message}";
        }
    }

    private string TooLong(long line) => $"TargetFiles {Name}: line {line} is longer than {MaxLineBytes} bytes: a targets file holds one address per line";

    private delegate bool LineAction(long number, ReadOnlySpan<byte> line);
}
