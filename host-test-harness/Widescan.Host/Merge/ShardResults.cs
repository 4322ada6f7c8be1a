using System.Globalization;
using System.Text.Json;
using Widescan.Contracts;
using Widescan.Host.Input;

namespace Widescan.Host.Merge;

/// <summary>
/// One shard's result file as <c>widescan merge</c> reads it (JSONL or CSV, told apart by its first
/// line): the plan and shard of its runs (a resume appends a run), how its last run ended, and its
/// results. Every problem is collected with the file and line, never thrown.
/// </summary>
internal sealed class ShardResults
{
    private static readonly string[] ResultTypes = ["alive", "peer", "unreachable", "aliased"];

    private ShardResults(string path) => Path = path;

    /// <summary>The file as given.</summary>
    public string Path { get; }

    /// <summary>The plan fingerprint of its runs; null when none has one.</summary>
    public string? Fingerprint { get; private set; }

    /// <summary>The shard of its runs; null when none says.</summary>
    public ShardSpec? Shard { get; private set; }

    /// <summary>How many runs (a first run and its resumes) the file holds.</summary>
    public int Runs { get; private set; }

    /// <summary>The last run's closing record, or null when it has none (still running, killed, or an output error).</summary>
    public ShardEnding? Ending { get; private set; }

    /// <summary>The results, in file order.</summary>
    public List<ResultRecord> Records { get; } = [];

    /// <summary>Lines of types merge does not know, skipped as every reader does.</summary>
    public int Skipped { get; private set; }

    /// <summary>Reads a file; its problems go to <paramref name="errors"/>, a torn last line to <paramref name="warnings"/>.</summary>
    public static ShardResults Read(string path, List<string> errors, List<string> warnings)
    {
        var file = new ShardResults(path);
        try
        {
            var torn = EndsTorn(path);
            using var reader = BoundedLineReader.Open(path, path, TextInputLimits.ResultLineBytes);
            bool? csv = null;
            var lines = new List<(string Text, int Number)>();
            while (reader.TryReadLine(out var line))
                lines.Add((line, reader.LineNumber));
            if (reader.Problem is { } problem)
            {
                errors.Add(problem);
                return file;
            }

            if (torn && lines.Count > 0)
            {
                warnings.Add($"{path}: line {lines[^1].Number} has no newline after it (the torn record of a crash or a full disk): skipped");
                lines.RemoveAt(lines.Count - 1);
            }

            var bad = 0;
            foreach (var (text, number) in lines)
            {
                if (text.Length == 0)
                    continue;
                csv ??= text[0] != '{';
                var problemText = csv.Value ? file.TakeCsv(text) : file.TakeJson(text);
                if (problemText is not null && ++bad <= TextInputLimits.ListedLineErrors)
                    errors.Add($"{path}: line {number}: {problemText}");
            }

            if (bad > TextInputLimits.ListedLineErrors)
                errors.Add($"{path}: and {bad - TextInputLimits.ListedLineErrors} more bad lines not listed");
            if (file.Runs == 0)
                errors.Add($"{path}: no run record (a JSONL 'run' record or a CSV '# widescan run' line): not a widescan scan's result file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{path}: {e.Message}");
        }

        return file;
    }

    private static bool EndsTorn(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        if (!stream.CanSeek || stream.Length == 0)
            return false;
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() != '\n';
    }

    private string? TakeJson(string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            return "not a JSON object (a result file has one per line)";
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
                return "not a result record (no 'type')";
            var type = typeElement.GetString()!;
            switch (type)
            {
                case "run":
                    return TakeRun(
                        Text(root, "command"),
                        root.TryGetProperty("fingerprint", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null,
                        Text(root, "shard"));
                case "summary":
                    return TakeEnding(Text(root, "status"), Number(root, "cursor"), Number(root, "positions"));
                case "merge":
                    return "a merge's own output: merge the shards' files, not merged ones";
                default:
                    if (!ResultTypes.Contains(type, StringComparer.Ordinal))
                    {
                        Skipped++;
                        return null;
                    }

                    var record = ResultRecord.FromJson(type, root, text, out var why);
                    if (record is null)
                        return why;
                    Records.Add(record);
                    return null;
            }
        }
    }

    private string? TakeCsv(string text)
    {
        if (text.StartsWith('#'))
        {
            var facts = Facts(text);
            if (text.StartsWith("# widescan run ", StringComparison.Ordinal))
                return TakeRun(facts.GetValueOrDefault("command"), facts.GetValueOrDefault("fingerprint") is { } f and not "none" ? f : null, facts.GetValueOrDefault("shard"));
            if (text.StartsWith("# widescan summary ", StringComparison.Ordinal))
                return TakeEnding(facts.GetValueOrDefault("status"), Parse(facts.GetValueOrDefault("cursor")), Parse(facts.GetValueOrDefault("positions")));
            if (text.StartsWith("# widescan merge ", StringComparison.Ordinal))
                return "a merge's own output: merge the shards' files, not merged ones";
            return null;
        }

        if (text == Output.ResultWriter.CsvHeader)
            return null;
        var columns = text.Split(',');
        if (columns.Length != ResultRecord.CsvColumns)
            return $"{columns.Length} columns; a result row has {ResultRecord.CsvColumns} ({Output.ResultWriter.CsvHeader})";
        if (!ResultTypes.Contains(columns[0], StringComparer.Ordinal))
        {
            Skipped++;
            return null;
        }

        var record = ResultRecord.FromCsv(columns, text, out var why);
        if (record is null)
            return why;
        Records.Add(record);
        return null;
    }

    private string? TakeRun(string? command, string? fingerprint, string? shardText)
    {
        if (command is not "scan")
            return $"a run of '{Printable.Escape(command ?? "")}': merge takes the results of widescan scan";
        ShardSpec? shard = null;
        if (shardText is not null)
        {
            try
            {
                shard = ShardSpec.Parse(shardText);
            }
            catch (FormatException e)
            {
                return e.Message;
            }
        }

        if (fingerprint is not null && !PlanFingerprint.IsWellFormed(fingerprint))
            return $"fingerprint '{Printable.Escape(fingerprint)}' is not {PlanFingerprint.Length} lowercase hex digits";
        Runs++;
        if (Runs > 1 && (fingerprint != Fingerprint || shard != Shard))
            return $"this run (plan {fingerprint ?? "none"}, shard {shard?.ToString() ?? "none"}) is not of the plan and shard of the file's first run ({Fingerprint ?? "none"}, {Shard?.ToString() ?? "none"}): one file holds one shard";
        Fingerprint = fingerprint;
        Shard = shard;

        // A resume's run starts again: its ending is the one that counts.
        Ending = null;
        return null;
    }

    private string? TakeEnding(string? status, ulong? cursor, ulong? positions)
    {
        if (status is null || cursor is null || positions is null)
            return "a summary without its status, cursor and positions";
        Ending = new ShardEnding(status, cursor.Value, positions.Value);
        return null;
    }

    private static Dictionary<string, string> Facts(string comment)
    {
        var facts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in comment.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
                facts[word[..equals]] = word[(equals + 1)..];
        }

        return facts;
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static ulong? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var n) ? n : null;

    private static ulong? Parse(string? text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}

/// <summary>How a shard's last run ended: its closing record's status and cursor.</summary>
/// <param name="Status">complete, incomplete, interrupted or failed.</param>
/// <param name="Cursor">The position sending reached.</param>
/// <param name="Positions">The shard's positions.</param>
internal sealed record ShardEnding(string Status, ulong Cursor, ulong Positions)
{
    /// <summary>Whether the shard was scanned to its end with nothing lost.</summary>
    public bool IsComplete => Status == "complete" && Cursor >= Positions;
}
