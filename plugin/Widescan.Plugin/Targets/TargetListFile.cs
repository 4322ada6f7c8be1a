using System.Text;
using Widescan.Contracts;

namespace Widescan.Plugin.Targets;

/// <summary>
/// Reads the address lines of one targets file in fixed blocks, a line at a time as a span of bytes:
/// nothing is allocated per line (a bad line's message is built only while it is listed). The
/// format is the address lines of a prefix file: one address per line (a <c>/128</c> suffix
/// allowed), <c>#</c> starts a comment, blank lines and surrounding spaces, tabs and CR ignored, a
/// UTF-8 byte-order mark at the start skipped. Only a regular file is read (<see cref="RegularFile"/>).
/// </summary>
internal sealed class TargetListFile
{
    /// <summary>The longest line accepted, its CR and LF not counted, as for a prefix file: an address with a comment takes far less.</summary>
    public const int MaxLineBytes = 4096;

    /// <summary>The most bad lines listed per file; the rest are counted.</summary>
    public const int ListedLineErrors = 20;

    /// <summary>When this many address lines open a file and every one is bad, the file is refused in one error, not line by line.</summary>
    public const int FirstLinesJudged = 5;

    // 1 MiB blocks: large enough that a read costs little per line, small beside the list itself.
    private const int BlockBytes = 1 << 20;

    // Enough bytes of a bad line for an excerpt of InputText.ExcerptLength characters and more.
    private const int EchoBytes = 256;

    private readonly string path;

    public TargetListFile(string path)
    {
        this.path = path;
        Name = System.IO.Path.GetFileName(path);
    }

    /// <summary>The file name as messages show it.</summary>
    public string Name { get; }

    /// <summary>
    /// The first pass: how many address lines the file holds (not yet parsed), counting no further
    /// than <paramref name="budget"/> + 1 (a file of 10^10 lines is refused after 10^8), or null with
    /// the one reason the file is refused (not a regular file, binary, a line over the cap,
    /// unreadable) in <paramref name="error"/>.
    /// </summary>
    public long? CountAddressLines(long budget, out string? error)
    {
        long lines = 0;
        error = Scan((_, line) => Content(line).IsEmpty || ++lines <= budget);
        return error is null ? lines : null;
    }

    /// <summary>
    /// The second pass: parses the file's <paramref name="expected"/> address lines (the first pass's
    /// count) into <paramref name="into"/> from <paramref name="start"/> on, or only checks them
    /// when <paramref name="into"/> is null. Bad lines are added to <paramref name="errors"/> (at most
    /// <see cref="ListedLineErrors"/>, the rest counted); a file whose first
    /// <see cref="FirstLinesJudged"/> address lines are all bad gets one error instead; a file that
    /// holds more or fewer address lines than the first pass counted changed while it was read.
    /// </summary>
    /// <returns>True when every line was an address and the file held exactly <paramref name="expected"/>.</returns>
    public bool Parse(UInt128[]? into, long start, long expected, List<string> errors)
    {
        long lines = 0;
        long bad = 0;
        var at = start;
        var pending = new List<string>(); // the listed errors of the first lines, until they are judged
        var listedBefore = errors.Count;
        var notAList = false;
        var grew = false;
        var problem = Scan((number, line) =>
        {
            var text = Content(line);
            if (text.IsEmpty)
                return true;
            if (++lines > expected)
            {
                grew = true;
                return false;
            }

            if (TryParseLine(text, out var address))
            {
                if (into is not null)
                    into[at++] = address;
            }
            else if (++bad <= ListedLineErrors)
            {
                var message = $"TargetFiles {Name}: line {number}: {Why(text)}";
                (lines <= FirstLinesJudged ? pending : errors).Add(message);
            }

            if (lines == FirstLinesJudged)
            {
                // A file whose first address lines are all bad is something else (a key, a log, a
                // private file behind a link): one error, and nothing more of it is echoed.
                if (bad == FirstLinesJudged)
                {
                    notAList = true;
                    return false;
                }

                errors.AddRange(pending);
                pending.Clear();
            }

            return true;
        });
        if (problem is not null)
        {
            errors.AddRange(pending);
            errors.Add(problem);
            return false;
        }

        if (notAList)
        {
            var first = pending[0];
            var prefix = $"TargetFiles {Name}: ";
            errors.Add($"TargetFiles {Name} does not look like an address list ({first[prefix.Length..]}): a targets file holds one IPv6 address per line");
            return false;
        }

        errors.AddRange(pending);
        if (grew || lines != expected)
        {
            errors.Insert(listedBefore, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"TargetFiles {Name} changed while it was read (it held {expected} address lines a moment before, now {(grew ? "more" : lines.ToString(System.Globalization.CultureInfo.InvariantCulture))}): read it again once it is complete"));
            return false;
        }

        if (bad > ListedLineErrors)
            errors.Add($"TargetFiles {Name}: and {bad - ListedLineErrors} more bad lines not listed");
        return bad == 0;
    }

    /// <summary>The first well-formed address of the file that <paramref name="probed"/> accepts, or null (also for a file that cannot be read).</summary>
    public UInt128? FirstAddress(Func<UInt128, bool> probed)
    {
        UInt128? first = null;
        Scan((_, line) =>
        {
            var text = Content(line);
            if (!text.IsEmpty && TryParseLine(text, out var address) && probed(address))
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

    // One address, or an address with a length that Ipv6Prefix reads as 128 ("/128", "/0128"). No allocation.
    private static bool TryParseLine(ReadOnlySpan<byte> text, out UInt128 value)
    {
        var slash = text.IndexOf((byte)'/');
        return Utf8Ipv6Parser.TryParse(slash < 0 ? text : text[..slash], out value) && (slash < 0 || IsLength128(text[(slash + 1)..]));
    }

    // As Ipv6Prefix reads a length: 1-4 decimal digits.
    private static bool IsLength128(ReadOnlySpan<byte> digits)
    {
        if (digits.IsEmpty || digits.Length > 4)
            return false;
        var value = 0;
        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9')
                return false;
            value = value * 10 + (d - '0');
        }

        return value == 128;
    }

    // Why a line is not an address (only for a line that is listed).
    private static string Why(ReadOnlySpan<byte> text)
    {
        var slash = text.IndexOf((byte)'/');
        var address = slash < 0 ? text : text[..slash];
        if (text.IndexOfAny(" \t"u8) is var blank and >= 0)
            return $"unexpected '{Show(text[blank..].TrimStart(" \t"u8))}' after '{Show(text[..blank])}': a line holds one address and an optional # comment";
        if (!Utf8Ipv6Parser.TryParse(address, out var value))
            return $"'{Show(address)}' is not an IPv6 address";
        if (Ipv6Prefix.TryParse(Encoding.UTF8.GetString(text), out var prefix, out _) && prefix.Length < 128)
            return $"{prefix} is a prefix of more than one address: a targets file lists addresses (a /128 at most); scan prefixes as include prefixes";
        return $"'{Show(text[slash..])}' after {Ipv6Address.Format(value)}: a targets file lists addresses, optionally as /128";
    }

    // An excerpt of input, escaped (InputText): a line may be 4 KiB of someone's private file.
    private static string Show(ReadOnlySpan<byte> bytes) => InputText.Excerpt(Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, EchoBytes)]));

    // Calls take(lineNumber, line) for each line (LF or CRLF; CR is trimmed by Content) until it
    // returns false. Returns the reason the file is refused whole, or null: not a regular file, a NUL
    // byte (a binary file: its "lines" are noise and are not listed), a line over the cap, or an I/O error.
    private string? Scan(LineAction take)
    {
        using var stream = RegularFile.Open(path, "TargetFiles", out var refused);
        if (stream is null)
            return refused;
        try
        {
            var buffer = new byte[BlockBytes + MaxLineBytes + 2];
            var end = 0;
            long offset = 0;
            long number = 0;
            var first = true;
            while (true)
            {
                var n = stream.Read(buffer, end, buffer.Length - end);
                if (n > 0 && buffer.AsSpan(end, n).IndexOf((byte)0) is var nul and >= 0)
                    return $"TargetFiles {Name} looks binary (NUL byte at offset {offset + end + nul}): a targets file is text, one address per line";
                var filled = end + n;
                var start = 0;
                if (first && buffer.AsSpan(0, filled).StartsWith("\uFEFF"u8))
                    start = 3; // a UTF-8 byte-order mark is no part of line 1
                first = false;
                while (true)
                {
                    var newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n');
                    if (newline < 0)
                        break;
                    var line = buffer.AsSpan(start, newline);
                    if (TooLong(line))
                        return TooLong(number + 1);
                    if (!take(++number, line))
                        return null;
                    start += newline + 1;
                }

                // Past the cap even with a CR still to come: never wait for the rest of such a line.
                var pending = filled - start;
                if (pending > MaxLineBytes + 1)
                    return TooLong(number + 1);
                if (n == 0)
                {
                    var last = buffer.AsSpan(start, pending);
                    if (TooLong(last))
                        return TooLong(number + 1);
                    if (pending > 0)
                        take(++number, last);
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

    // A line over the cap, its CR not counted (as the prefix-file reader counts).
    private static bool TooLong(ReadOnlySpan<byte> line) =>
        (line.EndsWith("\r"u8) ? line.Length - 1 : line.Length) > MaxLineBytes;

    private string TooLong(long line) => $"TargetFiles {Name}: line {line} is longer than {MaxLineBytes} bytes: a targets file holds one address per line";

    private delegate bool LineAction(long number, ReadOnlySpan<byte> line);
}
