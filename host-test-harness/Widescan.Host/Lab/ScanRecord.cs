using System.Text.Json;
using Widescan.Contracts;

namespace Widescan.Host.Lab;

/// <summary>
/// One JSONL line of <c>widescan scan</c> or <c>widescan listen</c>: <c>alive</c> or <c>peer</c>,
/// with the address parsed so that differently written forms of one address compare equal.
/// </summary>
internal sealed record ScanRecord(string Type, UInt128 Address, double? RttMs, string? NodeId, int? Port, bool? Authenticated, string? How)
{
    /// <summary>The address in RFC 5952 form.</summary>
    public string AddressText => Ipv6Address.Format(Address);

    /// <summary>
    /// Reads every <c>alive</c> and <c>peer</c> line; other types (a future stats line) are skipped, and
    /// a line that is not such a record is named in <paramref name="problems"/> with <paramref name="source"/>.
    /// </summary>
    public static List<ScanRecord> ReadAll(IEnumerable<string> lines, string source, List<string> problems)
    {
        var records = new List<ScanRecord>();
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            if (TryParse(line, out var record, out var error))
            {
                if (record is not null)
                    records.Add(record);
            }
            else
            {
                problems.Add($"{source} line {number}: {error}");
            }
        }

        return records;
    }

    /// <summary>
    /// Parses one line; true with a null <paramref name="record"/> for a well-formed line of another
    /// type, false with <paramref name="error"/> for anything else.
    /// </summary>
    public static bool TryParse(string line, out ScanRecord? record, out string? error)
    {
        record = null;
        error = null;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                error = "not a JSON object with a \"type\"";
                return false;
            }

            var kind = type.GetString()!;
            if (kind is not ("alive" or "peer"))
                return true;
            if (!root.TryGetProperty("address", out var address) || address.ValueKind != JsonValueKind.String
                || !Ipv6Address.TryParse(address.GetString(), out var parsed))
            {
                error = $"a \"{kind}\" line without a valid \"address\"";
                return false;
            }

            record = new ScanRecord(kind, parsed, Number(root, "rttMs"), Text(root, "nodeId"), (int?)Number(root, "port"), Flag(root, "authenticated"), Text(root, "how"));
            return true;
        }
        catch (JsonException e)
        {
            error = $"not JSON ({e.Message})";
            return false;
        }
    }

    private static double? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool? Flag(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;
}
