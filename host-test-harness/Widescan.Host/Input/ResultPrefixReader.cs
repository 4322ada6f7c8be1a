using System.Text.Json;
using Widescan.Contracts;

namespace Widescan.Host.Input;

/// <summary>
/// Reads JSONL result files (docs/results.md) for <c>widescan prefixes</c>: the records of the chosen
/// types give their /N prefix (<c>address</c> of <c>alive</c>, <c>peer</c> and <c>unreachable</c>, where
/// an unreachable's address is the probed target; <c>prefix</c> of <c>aliased</c>). Records of other
/// types, known or not, are skipped, as every reader of results does. A line that is not a JSON object,
/// or a chosen record without its field, is an error naming the file and line; a last line with no
/// newline after it that does not read is the torn record of a crash and is skipped with a warning.
/// </summary>
internal sealed class ResultPrefixReader
{
    private readonly IReadOnlySet<string> types;
    private readonly int length;
    private readonly HashSet<Ipv6Prefix> prefixes = [];

    /// <param name="types">The record types to take (alive, peer, unreachable, aliased).</param>
    /// <param name="length">The prefix length N of the prefixes to collect (0 to 128).</param>
    public ResultPrefixReader(IReadOnlySet<string> types, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 128);
        this.types = types;
        this.length = length;
    }

    /// <summary>Every problem found so far, one message each, naming file and line.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Torn last lines skipped, one message each.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>The records of the chosen types read so far.</summary>
    public long Records { get; private set; }

    /// <summary>
    /// The distinct prefixes, sorted (network, then length); a prefix inside a wider one also found (an
    /// aliased /48 and an alive /64 in it) is left out, since the wider one covers it.
    /// </summary>
    public List<Ipv6Prefix> Prefixes()
    {
        var sorted = prefixes.Order().ToList();
        var kept = new List<Ipv6Prefix>(sorted.Count);
        foreach (var prefix in sorted)
        {
            // Sorted by network then length: a covering prefix comes before everything it contains.
            if (kept.Count == 0 || !kept[^1].Contains(prefix))
                kept.Add(prefix);
        }

        return kept;
    }

    /// <summary>Reads one file; its problems go to <see cref="Errors"/> (at most <see cref="TextInputLimits.ListedLineErrors"/> lines listed).</summary>
    /// <param name="path">The file.</param>
    /// <param name="name">The file as messages name it (the flag's text).</param>
    public void Read(string path, string name)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Errors.Add($"--from {name}: {e.Message}");
            return;
        }

        var endsWithNewline = EndsWithNewline(stream);
        using var reader = new BoundedLineReader(stream, name, TextInputLimits.ResultLineBytes);
        var listed = 0;
        var more = 0;
        (int Line, string Message)? pending = null;
        while (reader.TryReadLine(out var line))
        {
            if (pending is { } previous)
                Report(previous.Line, previous.Message);
            pending = Take(line) is { } error ? (reader.LineNumber, error) : null;
        }

        if (reader.Problem is { } problem)
        {
            if (pending is { } last)
                Report(last.Line, last.Message);
            Errors.Add($"--from {problem}");
        }
        else if (pending is { } last)
        {
            if (endsWithNewline == false)
                Warnings.Add($"--from {name}: line {last.Line} is a torn last record (no newline after it: a run that crashed or ran out of disk), skipped");
            else
                Report(last.Line, last.Message);
        }

        if (more > 0)
            Errors.Add($"--from {name}: ... and {more} more lines with errors");

        void Report(int lineNumber, string message)
        {
            if (listed++ < TextInputLimits.ListedLineErrors)
                Errors.Add($"--from {name}: line {lineNumber}: {message}");
            else
                more++;
        }
    }

    /// <summary>Null when the line reads (or is blank), else what is wrong with it.</summary>
    private string? Take(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
            return null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            return $"not a JSON record ({e.Message})";
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return $"not a JSON object but {Kind(root.ValueKind)}";
            if (!root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
                return "a record without a \"type\" string";
            var type = typeElement.GetString()!;
            if (!types.Contains(type))
                return null;

            var field = type == "aliased" ? "prefix" : "address";
            if (!root.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String)
                return $"a{(type == "alive" || type == "aliased" ? "n" : "")} {type} record without {(field == "prefix" ? "a" : "an")} \"{field}\" string";
            var text = value.GetString()!;
            Ipv6Prefix prefix;
            if (type == "aliased")
            {
                if (!Ipv6Prefix.TryParse(text, out prefix, out var error))
                    return $"\"prefix\" '{text}' is not an IPv6 prefix: {error}";
            }
            else if (Ipv6Address.TryParse(text, out var address, out var error))
            {
                prefix = new Ipv6Prefix(address, 128);
            }
            else
            {
                return $"\"address\" '{text}' is not an IPv6 address: {error}";
            }

            // An aliased prefix wider than /N is kept whole: cutting it to its first /N would lose the rest.
            prefixes.Add(prefix.Length <= length ? prefix : new Ipv6Prefix(prefix.Network & Ipv6Prefix.MaskOf(length), length));
            Records++;
            return null;
        }
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>Whether the file's last byte is a newline; null when that cannot be told (a pipe).</summary>
    private static bool? EndsWithNewline(FileStream stream)
    {
        if (!stream.CanSeek)
            return null;
        var size = stream.Length;
        if (size == 0)
            return true;
        stream.Position = size - 1;
        var last = stream.ReadByte();
        stream.Position = 0;
        return last == '\n';
    }
}
