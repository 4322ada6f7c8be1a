using System.IO.Compression;
using System.Text;
using Widescan.Contracts;

namespace Widescan.Tests.Ripe;

/// <summary>The model of one inet6num object a fixture writes: what a correct parser must give back.</summary>
internal sealed record Inet6numModel(
    Ipv6Prefix Prefix,
    string Netname,
    string Country,
    string Status,
    string Org,
    string MntBy,
    IReadOnlyList<string> DescrLines,
    int? AssignmentSize = null)
{
    /// <summary>The descr value after continuation lines are joined.</summary>
    public string Descr => string.Join(" ", DescrLines.Where(l => l.Length > 0));
}

/// <summary>
/// Writes RPSL text the way real dumps vary: mixed LF/CRLF, attribute names in odd case, padding and
/// trailing spaces, continuation lines with space, tab and '+', comments, Latin-1 and UTF-8 bytes.
/// Tracks the line number each object starts on, so tests can check reported line numbers.
/// </summary>
internal sealed class RpslFixture(int seed)
{
    private static readonly string[] Countries = ["NL", "DE", "FR", "GB", "SE"];
    private static readonly string[] Statuses = ["ALLOCATED-BY-RIR", "ALLOCATED-BY-LIR", "AGGREGATED-BY-LIR", "ASSIGNED", "ASSIGNED PI"];
    private static readonly string[] Maintainers = ["EXAMPLE-MNT", "DUMMY-MNT", "LIR-MNT"];

    private readonly Random random = new(seed);
    private readonly MemoryStream bytes = new();
    private int line = 1;

    /// <summary>The line each written object starts on, in order.</summary>
    public List<int> StartLines { get; } = [];

    /// <summary>
    /// count inet6num models under 2001:db8::/32: /48s at 2001:db8:i::/48, every 7th one an
    /// AGGREGATED-BY-LIR /40 with an assignment size, descr with accents in both encodings.
    /// </summary>
    public static List<Inet6numModel> Models(int count)
    {
        var models = new List<Inet6numModel>(count);
        for (var i = 0; i < count; i++)
        {
            var aggregated = i % 7 == 3;
            var network = Ipv6Address.Parse("2001:db8::") | ((UInt128)(uint)(aggregated ? i & 0xff00 : i) << 80);
            var prefix = new Ipv6Prefix(network, aggregated ? 40 : 48);
            var descr = new List<string> { $"Example customer {i}" };
            if (i % 3 == 0)
                descr.Add(i % 2 == 0 ? "Café Zürich" : "Réseau Bâle");
            if (i % 5 == 0)
                descr.Add($"rack {i % 11}");
            models.Add(new Inet6numModel(
                prefix,
                $"EXAMPLE-NET-{i}",
                Countries[i % Countries.Length],
                aggregated ? "AGGREGATED-BY-LIR" : Statuses[i % Statuses.Length] is "AGGREGATED-BY-LIR" ? "ASSIGNED" : Statuses[i % Statuses.Length],
                $"ORG-EX{i % 4}-RIPE",
                Maintainers[i % Maintainers.Length],
                descr,
                aggregated ? 56 + (i % 3) * 4 : null));
        }

        return models;
    }

    /// <summary>Writes one model with random odd formatting.</summary>
    public RpslFixture Write(Inet6numModel model)
    {
        Separator();
        StartLines.Add(line);
        Attribute("inet6num", Prefix(model.Prefix));
        Attribute("netname", model.Netname);
        var latin1 = random.Next(2) == 0;
        for (var i = 0; i < model.DescrLines.Count; i++)
        {
            if (i == 0)
                Attribute("descr", model.DescrLines[0], latin1);
            else
                Continuation(model.DescrLines[i], latin1);
        }

        if (random.Next(4) == 0)
            Line("# a comment inside the object");
        Attribute("country", model.Country);
        Attribute("org", model.Org);
        Attribute("admin-c", "DUMY-RIPE");
        Attribute("status", model.Status);
        if (model.AssignmentSize is { } size)
            Attribute("assignment-size", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Attribute("mnt-by", model.MntBy);
        Attribute("source", "RIPE # Filtered");
        return this;
    }

    /// <summary>Writes a route6 object.</summary>
    public RpslFixture Route6(string prefix, string origin, string? mntBy = null)
    {
        Separator();
        StartLines.Add(line);
        Attribute("route6", prefix);
        Attribute("descr", "example route");
        Attribute("origin", origin);
        if (mntBy is not null)
            Attribute("mnt-by", mntBy);
        Attribute("source", "RIPE");
        return this;
    }

    /// <summary>Writes raw lines (already holding their own formatting) as one object.</summary>
    public RpslFixture Raw(params string[] lines)
    {
        Separator();
        StartLines.Add(line);
        foreach (var text in lines)
            Line(text);
        return this;
    }

    /// <summary>The written bytes.</summary>
    public byte[] ToArray() => bytes.ToArray();

    /// <summary>The written bytes gzip-compressed.</summary>
    public byte[] ToGzip() => Gzip(ToArray());

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(data);
        return output.ToArray();
    }

    private string Prefix(Ipv6Prefix prefix)
    {
        // Full, uncompressed and upper-case forms are all valid RPSL; the parser must canonicalise them.
        if (random.Next(3) != 0)
            return prefix.ToString();
        var ip = Ipv6Address.ToIPAddress(prefix.Network).GetAddressBytes();
        var groups = Enumerable.Range(0, 8).Select(g => $"{ip[2 * g]:X2}{ip[2 * g + 1]:X2}");
        return string.Join(":", groups) + "/" + prefix.Length;
    }

    private void Separator()
    {
        if (StartLines.Count == 0)
        {
            Line("% This is the RIPE Database split dump (test fixture)");
            Line("");
            return;
        }

        // An empty line ends an object. Lines of spaces or tabs after it pad the gap between objects;
        // one directly after an attribute would continue that attribute (RFC 2622 section 2).
        Line("");
        if (random.Next(3) is var padding and > 0)
            Line(padding == 1 ? "   " : "\t");
        if (random.Next(4) == 0)
        {
            Line("% Note: comment between objects");
            Line("");
        }
    }

    private void Attribute(string name, string value, bool latin1 = false)
    {
        var styled = random.Next(3) switch { 0 => name.ToUpperInvariant(), 1 => char.ToUpperInvariant(name[0]) + name[1..], _ => name };
        var padding = random.Next(3) switch { 0 => "", 1 => "\t", _ => new string(' ', 16 - Math.Min(15, name.Length)) };
        var trailing = random.Next(4) == 0 ? "   " : "";
        Line($"{styled}:{padding}{value}{trailing}", latin1);
    }

    private void Continuation(string value, bool latin1)
    {
        var lead = random.Next(3) switch { 0 => "        ", 1 => "\t", _ => "+       " };
        if (random.Next(5) == 0)
            Line("+", latin1);
        Line(lead + value, latin1);
    }

    private void Line(string text, bool latin1 = false)
    {
        var encoded = (latin1 ? Encoding.Latin1 : Encoding.UTF8).GetBytes(text);
        bytes.Write(encoded);
        bytes.Write(random.Next(3) == 0 ? "\r\n"u8 : "\n"u8);
        line++;
    }
}
