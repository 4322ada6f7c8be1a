using System.Globalization;
using System.Text.Json;
using Widescan.Contracts;
using Widescan.Host.Input;

namespace Widescan.Host.Merge;

/// <summary>
/// One shard's result file as <c>widescan merge</c> reads it (JSONL or CSV, told apart by its first
/// line): the plan and shard of its runs (a resume appends a run), how its last run ended, the
/// positions it claims and any gap between its runs; its results go straight to the merge, not kept
/// here. Every problem is collected with the file and line, never thrown.
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

    /// <summary>The results read from this file (repeats included), each handed to the merge as it was read.</summary>
    public long Results { get; private set; }

    /// <summary>Lines of types merge does not know, skipped as every reader does.</summary>
    public int Skipped { get; private set; }

    /// <summary>The positions the closing records (of every run) claim for the shard, distinct: one value in a sound file.</summary>
    public HashSet<ulong> ClaimedPositions { get; } = [];

    /// <summary>The cursor the first run started at (0 unless the file began with a resume); null when its run record does not say.</summary>
    public ulong? FirstStart { get; private set; }

    /// <summary>
    /// Positions no run of the file sent: a resume that started past the cursor the run before it
    /// closed at (a state file of another attempt, or an edited one). Each a sentence.
    /// </summary>
    public List<string> Gaps { get; } = [];

    /// <summary>
    /// Reads a file, each result straight into <paramref name="sink"/> (so memory grows with the
    /// distinct results, not with the file: a file of a million repeats holds one); its problems go to
    /// <paramref name="errors"/>, a torn last line to <paramref name="warnings"/>.
    /// </summary>
    public static ShardResults Read(string path, MergedRecords sink, List<string> errors, List<string> warnings)
    {
        var file = new ShardResults(path);
        try
        {
            var torn = EndsTorn(path);
            using var reader = BoundedLineReader.Open(path, path, TextInputLimits.ResultLineBytes);
            bool? csv = null;
            var bad = 0;

            // One line held back: the last is taken only if a newline ends it (else it is a crash's torn record).
            (string Text, int Number)? held = null;
            void Take((string Text, int Number) line)
            {
                if (line.Text.Length == 0)
                    return;
                csv ??= line.Text[0] != '{';
                var problemText = csv.Value ? file.TakeCsv(line.Text, sink) : file.TakeJson(line.Text, sink);
                if (problemText is not null && ++bad <= TextInputLimits.ListedLineErrors)
                    errors.Add($"{path}: line {line.Number}: {problemText}");
            }

            while (reader.TryReadLine(out var line))
            {
                if (held is { } previous)
                    Take(previous);
                held = (line, reader.LineNumber);
            }

            if (reader.Problem is { } problem)
            {
                errors.Add(problem);
                return file;
            }

            if (held is { } last)
            {
                if (torn)
                    warnings.Add($"{path}: line {last.Number} has no newline after it (the torn record of a crash or a full disk): skipped");
                else
                    Take(last);
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

    private string? TakeJson(string text, MergedRecords sink)
    {
        JsonDocument document;
        try
        {
            // Repeated keys refused: {"address":A,...,"address":B} is merged as one address and read as the other by another reader.
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            return $"not a JSON object (a result file has one per line): {Reason(e)}";
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
                    var start = Unsigned(root, "startCursor", out var startProblem);
                    return startProblem ?? TakeRun(
                        Text(root, "command"),
                        root.TryGetProperty("fingerprint", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null,
                        Text(root, "shard"),
                        start);
                case "summary":
                    var cursor = Unsigned(root, "cursor", out var cursorProblem);
                    var positions = Unsigned(root, "positions", out var positionsProblem);
                    return cursorProblem ?? positionsProblem ?? TakeEnding(Text(root, "status"), cursor, positions, Text(root, "fingerprint"), Text(root, "shard"));
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
                    Results++;
                    sink.Add(record);
                    return null;
            }
        }
    }

    private string? TakeCsv(string text, MergedRecords sink)
    {
        if (text.StartsWith('#'))
        {
            var facts = Facts(text);
            if (text.StartsWith("# widescan run ", StringComparison.Ordinal))
            {
                var start = Parse(facts, "startCursor", out var startProblem);
                return startProblem ?? TakeRun(facts.GetValueOrDefault("command"), facts.GetValueOrDefault("fingerprint") is { } f and not "none" ? f : null, facts.GetValueOrDefault("shard"), start);
            }

            if (text.StartsWith("# widescan summary ", StringComparison.Ordinal))
            {
                var cursor = Parse(facts, "cursor", out var cursorProblem);
                var positions = Parse(facts, "positions", out var positionsProblem);
                return cursorProblem ?? positionsProblem ?? TakeEnding(
                    facts.GetValueOrDefault("status"), cursor, positions, facts.GetValueOrDefault("fingerprint") is { } f and not "none" ? f : null, facts.GetValueOrDefault("shard"));
            }

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
        Results++;
        sink.Add(record);
        return null;
    }

    private string? TakeRun(string? command, string? fingerprint, string? shardText, ulong? start)
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
        if (Runs == 1)
            FirstStart = start;

        // A resume may start before where the last run closed (its checkpoint lags), never after it.
        if (Runs > 1 && Ending is { } before && start > before.Cursor)
            Gaps.Add($"run {Runs} of {Path} starts at cursor {start}, past cursor {before.Cursor} where the run before it closed: positions {before.Cursor} to {start - 1} were never sent");
        Fingerprint = fingerprint;
        Shard = shard;

        // A resume's run starts again: its ending is the one that counts.
        Ending = null;
        return null;
    }

    private string? TakeEnding(string? status, ulong? cursor, ulong? positions, string? fingerprint, string? shard)
    {
        if (status is null || cursor is null || positions is null)
            return "a summary without its status, cursor and positions";
        if (Runs == 0)
            return "a summary before any run record (lines of files mixed, or an edited file)";

        // A closing record says which plan and shard it closes: one pasted from another file would close this one.
        if (fingerprint is not null && fingerprint != Fingerprint || shard is not null && shard != Shard?.ToString())
            return $"a summary of plan {Printable.Escape(fingerprint ?? "none")}, shard {Printable.Escape(shard ?? "none")} closing a run of plan {Fingerprint ?? "none"}, shard {Shard?.ToString() ?? "none"} (lines of two files mixed?)";
        if (cursor > positions)
            return $"a summary at cursor {cursor}, past its {positions} positions";
        Ending = new ShardEnding(status, cursor.Value, positions.Value);
        ClaimedPositions.Add(positions.Value);
        return null;
    }

    // The parser's reason without its own wording of the position, characters escaped.
    private static string Reason(JsonException e) => Printable.Escape((e.Message.Split(" LineNumber:", 2)[0]).TrimEnd());

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

    // A whole number field (cursor, positions, startCursor): null when absent, a problem when it is not one.
    private static ulong? Unsigned(JsonElement root, string name, out string? problem)
    {
        problem = null;
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var n))
            return n;
        problem = $"'{name}' is {Printable.Escape(Excerpt(value.GetRawText()))}, not a whole number from 0 to {ulong.MaxValue}";
        return null;
    }

    private static ulong? Parse(Dictionary<string, string> facts, string name, out string? problem)
    {
        problem = null;
        if (!facts.TryGetValue(name, out var text))
            return null;
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return n;
        problem = $"'{name}={Printable.Escape(Excerpt(text))}' is not a whole number from 0 to {ulong.MaxValue}";
        return null;
    }

    private static string Excerpt(string text) => text.Length <= 40 ? text : text[..40] + "...";
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
