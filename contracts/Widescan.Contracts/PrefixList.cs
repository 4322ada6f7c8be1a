using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Widescan.Contracts;

/// <summary>
/// One line of a prefix list: a prefix to scan, an optional subnet window and an optional comment.
/// </summary>
/// <param name="Prefix">The prefix to scan.</param>
/// <param name="SubnetBits">
/// The subnet window (see <see cref="TargetSpec.SubnetBits"/>): the length of the subnets a window scan
/// probes once each, for example /56 for one probe per end site. At least the prefix length, at most 128.
/// </param>
/// <param name="Comment">Free text kept after <c>#</c> (for example the netname and country); never holds a line break.</param>
public sealed record PrefixListEntry(Ipv6Prefix Prefix, int? SubnetBits = null, string? Comment = null);

/// <summary>A line of a prefix list that could not be read.</summary>
/// <param name="LineNumber">The 1-based number of the line.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record PrefixListError(int LineNumber, string Message)
{
    /// <summary>"line N: message".</summary>
    public override string ToString() => $"line {LineNumber}: {Message}";
}

/// <summary>What <see cref="PrefixList.Read"/> found: the entries in file order and every bad line.</summary>
/// <param name="Entries">The entries read, in the order of the file.</param>
/// <param name="Errors">One error per malformed line; reading goes on past them.</param>
public sealed record PrefixListReadResult(IReadOnlyList<PrefixListEntry> Entries, IReadOnlyList<PrefixListError> Errors);

/// <summary>
/// The prefix-list file every Widescan host reads (<c>--prefix-file</c>) and the RIPE import writes.
/// </summary>
/// <remarks>
/// <para>The syntax, one entry per line:</para>
/// <code>
/// # whole-line comment
/// 2001:db8::/32
/// 2001:db8:1000::/36 window=/56   # EXAMPLE-NET NL
/// </code>
/// <list type="bullet">
/// <item>A prefix in any RFC 4291 form (a bare address is a /128); host bits must be zero.</item>
/// <item>An optional window token <c>window=/N</c> (case-insensitive) after the prefix: scan one target
/// per /N subnet of the prefix. N is at least the prefix length and at most 128.</item>
/// <item><c>#</c> starts a comment, on a line of its own or after an entry. Blank lines are ignored.
/// Spaces and tabs separate the fields; CRLF line ends are accepted.</item>
/// <item>A UTF-8 byte-order mark at the start of the file is skipped.</item>
/// <item>Anything else on a line (an unknown token, a bad prefix or window) makes that line an error
/// that names its number; the lines around it are still read.</item>
/// </list>
/// </remarks>
public static class PrefixList
{
    /// <summary>The token that introduces a subnet window, followed by the length: <c>window=/56</c>.</summary>
    public const string WindowToken = "window=/";

    /// <summary>Reads a whole prefix list; bad lines become <see cref="PrefixListReadResult.Errors"/>.</summary>
    public static PrefixListReadResult Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var entries = new List<PrefixListEntry>();
        var errors = new List<PrefixListError>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            // A byte-order mark (an editor's UTF-8 with BOM) is no part of the first line.
            if (++lineNumber == 1 && line.StartsWith('\uFEFF'))
                line = line[1..];
            if (!TryParseLine(line, out var entry, out var error))
                errors.Add(new PrefixListError(lineNumber, error));
            else if (entry is not null)
                entries.Add(entry);
        }

        return new PrefixListReadResult(entries, errors);
    }

    /// <summary>
    /// Parses one line. Returns true with a null <paramref name="entry"/> for a blank or comment line,
    /// and false with the reason in <paramref name="error"/> for a malformed one.
    /// </summary>
    public static bool TryParseLine(string line, out PrefixListEntry? entry, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(line);
        entry = null;
        error = null;
        var text = line.AsSpan();
        string? comment = null;
        var hash = text.IndexOf('#');
        if (hash >= 0)
        {
            var commentText = text[(hash + 1)..].Trim();
            comment = commentText.IsEmpty ? null : commentText.ToString();
            text = text[..hash];
        }

        text = text.Trim();
        if (text.IsEmpty)
            return true;

        var fieldEnd = text.IndexOfAny(' ', '\t');
        var prefixText = fieldEnd < 0 ? text : text[..fieldEnd];
        var rest = fieldEnd < 0 ? [] : text[fieldEnd..].TrimStart();
        if (!Ipv6Prefix.TryParse(prefixText, out var prefix, out var prefixError))
        {
            error = prefixError;
            return false;
        }

        int? window = null;
        if (!rest.IsEmpty)
        {
            var tokenEnd = rest.IndexOfAny(' ', '\t');
            var token = tokenEnd < 0 ? rest : rest[..tokenEnd];
            var after = tokenEnd < 0 ? [] : rest[tokenEnd..].Trim();
            if (!after.IsEmpty)
            {
                error = $"unexpected '{InputText.Excerpt(after)}' after '{InputText.Excerpt(token)}': a line holds a prefix, an optional {WindowToken}N and an optional # comment";
                return false;
            }

            if (!TryParseWindow(token, prefix, out window, out error))
                return false;
        }

        entry = new PrefixListEntry(prefix, window, comment);
        return true;
    }

    /// <summary>Writes every entry, one line each (see <see cref="Format"/>).</summary>
    public static void Write(TextWriter writer, IEnumerable<PrefixListEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries)
            writer.WriteLine(Format(entry));
    }

    /// <summary>
    /// The line of one entry: the canonical prefix, <c> window=/N</c> when a window applies and
    /// <c> # comment</c> when there is one (line breaks in the comment become spaces).
    /// </summary>
    /// <exception cref="ArgumentException">The window is shorter than the prefix or longer than 128.</exception>
    public static string Format(PrefixListEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.SubnetBits is { } bits && (bits < entry.Prefix.Length || bits > 128))
            throw new ArgumentException($"window /{bits} does not fit prefix {entry.Prefix} (it must be /{entry.Prefix.Length} to /128)", nameof(entry));
        var line = entry.Prefix.ToString();
        if (entry.SubnetBits is { } window)
            line += " " + WindowToken + window.ToString(CultureInfo.InvariantCulture);
        if (!string.IsNullOrWhiteSpace(entry.Comment))
            line += " # " + entry.Comment.ReplaceLineEndings(" ").Trim();
        return line;
    }

    private static bool TryParseWindow(ReadOnlySpan<char> token, Ipv6Prefix prefix, out int? window, [NotNullWhen(false)] out string? error)
    {
        window = null;
        if (!token.StartsWith(WindowToken, StringComparison.OrdinalIgnoreCase))
        {
            error = $"unknown token '{InputText.Excerpt(token)}' after {prefix}: expected {WindowToken}N (for example {WindowToken}56) or a # comment";
            return false;
        }

        var digits = token[WindowToken.Length..];
        if (digits.IsEmpty || digits.Length > 3 || !digits.ContainsOnlyDigits())
        {
            error = $"window '{InputText.Excerpt(token)}' is not {WindowToken}N with N a number (for example {WindowToken}56)";
            return false;
        }

        var bits = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        if (bits < prefix.Length || bits > 128)
        {
            error = $"window /{bits} does not fit prefix {prefix}: it must be /{prefix.Length} to /128";
            return false;
        }

        window = bits;
        error = null;
        return true;
    }
}
