using System.Globalization;
using System.Text.Json;
using Widescan.Contracts;

namespace Widescan.Host.Output;

/// <summary>
/// The records a live view of a run reads beside its results (docs/results.md): <c>peer-seen</c>,
/// <c>peer-expired</c> and <c>cells</c>. JSONL only: CSV holds results, one line each, and these are
/// updates of them (the scan command refuses --progress-cells with CSV; a CSV listener's peer table
/// has its peer lines).
/// </summary>
internal sealed partial class ResultWriter
{
    private static readonly JsonEncodedText PeerSeenType = JsonEncodedText.Encode("peer-seen");
    private static readonly JsonEncodedText PeerExpiredType = JsonEncodedText.Encode("peer-expired");
    private static readonly JsonEncodedText CellsType = JsonEncodedText.Encode("cells");
    private static readonly JsonEncodedText FirstSeenName = JsonEncodedText.Encode("firstSeen");
    private static readonly JsonEncodedText LastSeenName = JsonEncodedText.Encode("lastSeen");
    private static readonly JsonEncodedText SightingsName = JsonEncodedText.Encode("sightings");

    /// <summary>A peer heard again (throttled by --peer-seen-interval).</summary>
    public void Write(PeerSeen seen)
    {
        if (format != ResultFormat.Jsonl)
            return;
        json.WriteStartObject();
        json.WriteString(TypeName, PeerSeenType);
        WriteAddress(seen.Address);
        WriteNodeId(seen.NodeId);
        json.WriteNumber(PortName, seen.Port);
        json.WriteBoolean(AuthenticatedName, seen.Authenticated);
        json.WriteString(HowName, HowText(seen.How));
        WriteTime(FirstSeenName, seen.FirstSeen);
        WriteTime(LastSeenName, seen.LastSeen);
        json.WriteNumber(SightingsName, seen.Sightings);
        WriteTime(seen.Time);
        json.WriteEndObject();
        EndJson();
        Recorded();
    }

    /// <summary>A peer unheard for --peer-expiry.</summary>
    public void Write(PeerExpired expired)
    {
        if (format != ResultFormat.Jsonl)
            return;
        json.WriteStartObject();
        json.WriteString(TypeName, PeerExpiredType);
        WriteAddress(expired.Address);
        WriteNodeId(expired.NodeId);
        WriteTime(FirstSeenName, expired.FirstSeen);
        WriteTime(LastSeenName, expired.LastSeen);
        WriteTime(expired.Time);
        json.WriteEndObject();
        EndJson();
        Recorded();
    }

    /// <summary>
    /// The per-cell counts (cumulative), one array per kind, cell i of a grid at index i:
    /// <c>{"type":"cells","grids":[{"prefix":..,"cellLength":..,"probes":[..],"alive":[..],"peers":[..],"unreachable":[..],"aliased":[..]}],"time":..}</c>.
    /// </summary>
    public void Write(CellProgress cells)
    {
        if (format != ResultFormat.Jsonl)
            return;
        json.WriteStartObject();
        json.WriteString(TypeName, CellsType);
        json.WriteStartArray("grids");
        Span<char> prefix = stackalloc char[Ipv6Prefix.MaxTextLength];
        foreach (var grid in cells.Grids)
        {
            json.WriteStartObject();
            grid.Prefix.TryFormat(prefix, out var length, default, CultureInfo.InvariantCulture);
            json.WriteString(PrefixName, prefix[..length]);
            json.WriteNumber("cellLength", grid.CellLength);
            var counts = grid.Cells.Span;
            Column("probes", counts, static c => c.Probes);
            Column("alive", counts, static c => c.Alive);
            Column("peers", counts, static c => c.Peers);
            Column("unreachable", counts, static c => c.Unreachable);
            Column("aliased", counts, static c => c.Aliased);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteTime(cells.Time);
        json.WriteEndObject();
        EndJson();
        Recorded();
    }

    private void Column(string name, ReadOnlySpan<CellCounts> counts, Func<CellCounts, ulong> value)
    {
        json.WriteStartArray(name);
        foreach (var c in counts)
            json.WriteNumberValue(value(c));
        json.WriteEndArray();
    }

    private void WriteNodeId(NodeId nodeId)
    {
        Span<char> id = stackalloc char[32];
        nodeId.Value.TryFormat(id, out var idLength, "x32", CultureInfo.InvariantCulture);
        json.WriteString(NodeIdName, id[..idLength]);
    }

    private void WriteTime(JsonEncodedText name, DateTimeOffset time)
    {
        Span<byte> text = stackalloc byte[32];
        var length = FormatTime(time, text);
        json.WriteString(name, text[..length]);
    }
}
