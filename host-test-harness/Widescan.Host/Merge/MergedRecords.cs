using System.Globalization;
using System.Text.Json;
using Widescan.Host.Output;

namespace Widescan.Host.Merge;

/// <summary>
/// The results of every shard, each once: one record per type and address (per prefix for aliased),
/// the strongest peer evidence kept (docs/results.md: a peer reported on weaker evidence is reported
/// again when stronger evidence comes), and an alive record dropped where a peer answered the probe
/// of its address, as within one run. Written sorted by type and address, so two merges of the same
/// shards are the same file.
/// </summary>
internal sealed class MergedRecords
{
    private static readonly string[] TypeOrder = ["alive", "peer", "unreachable", "aliased"];
    private readonly Dictionary<(string Type, UInt128 Address, int Length), ResultRecord> kept = [];

    /// <summary>Records read in all.</summary>
    public long Read { get; private set; }

    /// <summary>Records dropped as repeats (a resume's overlap, a peer seen by two shards) or overruled.</summary>
    public long Duplicates => Read - Records.Count;

    /// <summary>The kept records, in output order; valid after <see cref="Finish"/>.</summary>
    public List<ResultRecord> Records { get; private set; } = [];

    /// <summary>Adds one record.</summary>
    public void Add(ResultRecord record)
    {
        Read++;
        var key = (record.Type, record.Address, record.Length);
        if (!kept.TryGetValue(key, out var earlier) || record.Rank > earlier.Rank)
            kept[key] = record;
    }

    /// <summary>Drops the alive records a peer's answer replaces, and sorts.</summary>
    public void Finish()
    {
        Records = kept.Values
            .Where(r => r.Type != "alive" || !(kept.TryGetValue(("peer", r.Address, 128), out var peer) && peer.AnsweredProbe))
            .OrderBy(r => Array.IndexOf(TypeOrder, r.Type)).ThenBy(r => r.Address).ThenBy(r => r.Length)
            .ToList();
    }

    /// <summary>Writes the merge: its run record (or CSV comment), the records, and its closing record.</summary>
    public void Write(TextWriter writer, ResultFormat format, ShardCoverage coverage, IReadOnlyList<string> files, DateTimeOffset time)
    {
        var stamp = time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
        var status = coverage.IsComplete ? "complete" : "incomplete";
        if (format == ResultFormat.Csv)
        {
            writer.Write(ResultWriter.CsvHeader + "\n");
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"# widescan merge fingerprint={coverage.Fingerprint} shards={coverage.Count} files={files.Count} time={stamp}\n"));
            foreach (var record in Records)
                writer.Write(record.ToCsv() + "\n");
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"# widescan merge status={status} records={Records.Count} duplicates={Duplicates} missing={List(coverage.Missing)} incomplete={coverage.Incomplete.Count}\n"));
            return;
        }

        writer.Write(Json(json =>
        {
            json.WriteString("type", "run");
            json.WriteNumber("version", ResultWriter.RecordVersion);
            json.WriteString("fingerprint", coverage.Fingerprint);
            json.WriteString("command", "merge");
            json.WriteNumber("shards", coverage.Count);
            json.WriteStartArray("files");
            foreach (var file in files)
                json.WriteStringValue(file);
            json.WriteEndArray();
            json.WriteString("time", stamp);
        }));
        foreach (var record in Records)
            writer.Write(record.ToJson() + "\n");
        writer.Write(Json(json =>
        {
            json.WriteString("type", "merge");
            json.WriteString("status", status);
            json.WriteString("fingerprint", coverage.Fingerprint);
            json.WriteNumber("shards", coverage.Count);
            json.WriteNumber("records", Records.Count);
            json.WriteNumber("duplicates", Duplicates);
            json.WriteNumber("missingCount", coverage.MissingCount);
            json.WriteStartArray("missing");
            foreach (var shard in coverage.Missing)
                json.WriteStringValue(shard);
            json.WriteEndArray();
            json.WriteStartArray("incomplete");
            foreach (var shard in coverage.Incomplete)
                json.WriteStringValue(shard);
            json.WriteEndArray();
            json.WriteString("time", stamp);
        }));
    }

    private static string List(List<string> shards) => shards.Count == 0 ? "none" : string.Join(',', shards);

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
