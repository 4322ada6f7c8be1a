using System.Globalization;
using System.Text;
using System.Text.Json;
using Widescan.Contracts;

namespace Widescan.Host.Merge;

/// <summary>
/// One result (alive, peer, unreachable, aliased) as merge keeps it: what identifies it (its type and
/// address, or prefix), how strong its evidence is, and its text in both formats, so that a JSONL
/// shard can be merged into CSV and the other way round.
/// </summary>
internal sealed class ResultRecord
{
    /// <summary>The columns of a CSV result row (<see cref="Output.ResultWriter.CsvHeader"/>).</summary>
    public const int CsvColumns = 11;

    private static readonly System.Buffers.SearchValues<char> CsvUnsafe = System.Buffers.SearchValues.Create(",\"\u007f");

    private static readonly string[] ColumnNames = Output.ResultWriter.CsvHeader.Split(',');

    private ResultRecord(string type, UInt128 address, int length, int rank, string[] columns, string? json)
    {
        Type = type;
        Address = address;
        Length = length;
        Rank = rank;
        Columns = columns;
        Json = json;
    }

    /// <summary>alive, peer, unreachable or aliased.</summary>
    public string Type { get; }

    /// <summary>The address (the prefix's network for aliased).</summary>
    public UInt128 Address { get; }

    /// <summary>128, or the aliased prefix's length.</summary>
    public int Length { get; }

    /// <summary>
    /// A peer's evidence, weakest first (docs/results.md): 0 unauthenticated and unsolicited, 1
    /// authenticated but unsolicited, 2 answered our probe; 0 for other types.
    /// </summary>
    public int Rank { get; }

    /// <summary>Whether this peer answered a probe, so it replaces the alive record of its address.</summary>
    public bool AnsweredProbe => Type == "peer" && Rank == 2;

    /// <summary>The CSV columns.</summary>
    public string[] Columns { get; }

    /// <summary>The JSONL line as read, or null for a record read from CSV.</summary>
    public string? Json { get; }

    /// <summary>A record of a JSONL line, or null with <paramref name="why"/>.</summary>
    public static ResultRecord? FromJson(string type, JsonElement root, string line, out string? why)
    {
        var where = type == "aliased" ? "prefix" : "address";
        var text = root.TryGetProperty(where, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : null;
        var columns = new string[CsvColumns];
        Array.Fill(columns, "");
        columns[0] = type;
        columns[1] = text ?? "";
        columns[2] = Raw(root, "rttMs");
        columns[3] = Raw(root, "time");
        columns[4] = Raw(root, "nodeId");
        columns[5] = Raw(root, "port");
        columns[6] = Raw(root, "authenticated");
        columns[7] = Raw(root, "how");
        columns[8] = Raw(root, "router");
        columns[9] = Raw(root, "icmpType");
        columns[10] = Raw(root, "code");
        return Of(columns, line, out why);
    }

    /// <summary>A record of a CSV row, or null with <paramref name="why"/>.</summary>
    public static ResultRecord? FromCsv(string[] columns, string line, out string? why) => Of(columns, json: null, out why);

    /// <summary>The record as a JSONL line: as read, or built from its CSV columns.</summary>
    public string ToJson()
    {
        if (Json is not null)
            return Json;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("type", Type);
            json.WriteString(Type == "aliased" ? "prefix" : "address", Columns[1]);
            if (Type is "alive" or "peer")
                Number(json, "rttMs", Columns[2]);
            if (Type == "peer")
            {
                json.WriteString("nodeId", Columns[4]);
                Number(json, "port", Columns[5]);
                json.WriteBoolean("authenticated", Columns[6] == "true");
                json.WriteString("how", Columns[7]);
            }

            if (Type == "unreachable")
            {
                json.WriteString("router", Columns[8]);
                Number(json, "icmpType", Columns[9]);
                Number(json, "code", Columns[10]);
            }

            json.WriteString("time", Columns[3]);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The record as a CSV row.</summary>
    public string ToCsv() => string.Join(',', Columns);

    private static ResultRecord? Of(string[] columns, string? json, out string? why)
    {
        why = Unsafe(columns);
        if (why is not null)
            return null;
        var type = columns[0];
        UInt128 address;
        var length = 128;
        if (type == "aliased")
        {
            if (!Ipv6Prefix.TryParse(columns[1], out var prefix, out var error))
            {
                why = $"an 'aliased' record without a valid prefix ({error})";
                return null;
            }

            (address, length) = (prefix.Network, prefix.Length);
        }
        else if (!Ipv6Address.TryParse(columns[1], out address, out var error))
        {
            why = $"a '{type}' record without a valid address ({error})";
            return null;
        }

        var rank = type != "peer" ? 0 : columns[7] == "answered-probe" ? 2 : columns[6] == "true" ? 1 : 0;
        return new ResultRecord(type, address, length, rank, columns, json);
    }

    // A field's value as CSV writes it: a string's text, a number or boolean as written, nothing for null.
    private static string Raw(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
            return "";
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => "",
        };
    }

    /// <summary>
    /// Why a record's fields cannot become a CSV row that every reader splits as merge does, or null.
    /// A JSONL string may hold any character: an escaped line break in a peer's <c>nodeId</c> would
    /// start a forged row or <c># widescan</c> comment in a CSV merge, a quote would make a CSV reader
    /// swallow the rows after it, a comma would shift the columns, and a leading = + - @ is run as a
    /// formula by a spreadsheet. widescan writes none of these, so such a record is refused, not altered.
    /// </summary>
    private static string? Unsafe(string[] columns)
    {
        for (var i = 0; i < columns.Length; i++)
        {
            var text = columns[i];
            var bad = text.AsSpan().IndexOfAny(CsvUnsafe);
            if (bad < 0)
                bad = text.AsSpan().IndexOfAnyInRange('\0', '\u001f');
            if (bad >= 0)
                return $"field '{ColumnNames[i]}' holds {Describe(text[bad])}, which no widescan record has and a CSV row cannot carry";
            if (text.Length > 0 && "=+-@".Contains(text[0], StringComparison.Ordinal)
                && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                return $"field '{ColumnNames[i]}' starts with '{text[0]}', which a spreadsheet runs as a formula; no widescan record has it";
        }

        return null;
    }

    private static string Describe(char c) => c switch
    {
        ',' => "a comma",
        '"' => "a quote",
        '\u007f' => "a control character (0x7f)",
        _ => string.Create(CultureInfo.InvariantCulture, $"a control character (0x{(int)c:x2}, a line break or tab among them)"),
    };

    private static void Number(Utf8JsonWriter json, string name, string text)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            json.WritePropertyName(name);
            json.WriteRawValue(text, skipInputValidation: false);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
