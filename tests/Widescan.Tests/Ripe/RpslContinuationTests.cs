using System.Text;
using Widescan.Contracts;
using Widescan.Ripe;

namespace Widescan.Tests.Ripe;

/// <summary>
/// RPSL as registries write it (RFC 2622 section 2): a line that starts with a space, a tab or '+'
/// continues the attribute even when nothing else is on it, so the object goes on past it and the
/// filters see its later attributes. And an inet6num and a route6 of one prefix are one entry.
/// </summary>
public class RpslContinuationTests
{
    // Shaped like irrd's and RIPE's sample objects: a lone '+', a tab-only line, a space-only line,
    // remarks that continue, then country and status after all of them.
    private const string Sample =
        "inet6num:       2001:db8:1000::/36\n" +
        "netname:        EXAMPLE-NET\n" +
        "descr:          Example LIR\n" +
        "+\n" +
        "                second descr line\n" +
        "remarks:        first remark\n" +
        "\t\n" +
        "remarks:        ------------------\n" +
        "                a remark that continues\n" +
        "    \n" +
        "+               and goes on # with a comment\n" +
        "country:        NL\n" +
        "admin-c:        DUMY-RIPE\n" +
        "status:         ALLOCATED-BY-LIR\n" +
        "mnt-by:         EXAMPLE-MNT\n" +
        "source:         RIPE # Filtered\n" +
        "\n" +
        "inet6num:       2001:db8:2000::/36\n" +
        "netname:        OTHER-NET\n" +
        "country:        DE\n" +
        "status:         ASSIGNED\n" +
        "\n";

    [Test]
    public void BlankContinuationLinesKeepTheObjectWhole()
    {
        using var reader = new RpslReader(new MemoryStream(Encoding.UTF8.GetBytes(Sample)));
        Assert.That(reader.Read(), Is.True);
        var first = reader.Current;
        Assert.That(first.Error, Is.Null, first.ToString());
        Assert.That(first.StartLine, Is.EqualTo(1));
        Assert.That(first.Count, Is.EqualTo(10), first.ToString());
        Assert.That(first.TryGet("descr", out var descr) && descr.SequenceEqual("Example LIR second descr line"), Is.True, first.ToString());
        Assert.That(first.Value(first.IndexOf("remarks", 4)).ToString(), Is.EqualTo("------------------ a remark that continues and goes on"));
        Assert.That(first.TryGet("country", out var country) && country.SequenceEqual("NL"), Is.True);
        Assert.That(first.TryGet("status", out var status) && status.SequenceEqual("ALLOCATED-BY-LIR"), Is.True);
        Assert.That(first.Line(first.IndexOf("status")), Is.EqualTo(14));

        Assert.That(reader.Read(), Is.True);
        Assert.That(reader.Current.Key.ToString(), Is.EqualTo("2001:db8:2000::/36"));
        Assert.That(reader.Read(), Is.False);
    }

    [Test]
    public void TheFiltersSeeCountryAndStatusAfterTheBlankContinuations()
    {
        var (summary, entries) = RipeImportTests.Import(new RipeFilterOptions { Countries = ["NL"], Statuses = ["ALLOCATED-BY-LIR"] }, Encoding.UTF8.GetBytes(Sample));

        Assert.That(entries, Is.EqualTo(new[] { new PrefixListEntry(Ipv6Prefix.Parse("2001:db8:1000::/36"), null, "EXAMPLE-NET NL") }));
        Assert.That(summary.Malformed, Is.Zero, string.Join("\n", summary.Problems));
        Assert.That(summary.ObjectsRead, Is.EqualTo(2));
    }

    [Test]
    public void AWhitespaceLineBeforeANewObjectsKeySeparatesTheTwo()
    {
        // Some exports pad their blank lines: a second key (any class) after one starts the next object.
        var text = "inet6num: 2001:db8::/48\nnetname: A\n   \ninet6num: 2001:db8:1::/48\nnetname: B\n\t\nperson: Someone\nnic-hdl: X\n";
        using var reader = new RpslReader(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        var objects = new List<string>();
        while (reader.Read())
            objects.Add($"{reader.Current.StartLine}:{reader.Current.Key}:{reader.Current.Count}:{reader.Current.Error}");
        Assert.That(objects, Is.EqualTo(new[] { "1:2001:db8::/48:2:", "4:2001:db8:1::/48:2:", "7:Someone:2:" }));
    }

    [Test]
    public void AnInet6numAndARoute6OfOnePrefixAreOneEntryCountedOnce()
    {
        var main = new RpslFixture(seed: 40)
            .Route6("2001:db8::/32", "AS64500")
            .Raw("inet6num: 2001:db8::/32", "netname: EXAMPLE-LIR", "country: NL", "status: ALLOCATED-BY-RIR")
            .Route6("2001:db8::/32", "AS64501")
            .Raw("inet6num: 2001:db8:ff00::/40", "netname: AGG", "country: NL", "status: AGGREGATED-BY-LIR", "assignment-size: 56")
            .Route6("2001:db8:ff00::/40", "AS64500")
            .Route6("2001:db8:1::/48", "AS64502")
            .ToArray();

        var (summary, entries) = RipeImportTests.Import(new RipeFilterOptions(), main);

        Assert.That(entries.Select(PrefixList.Format), Is.EqualTo(new[]
        {
            "2001:db8::/32 # EXAMPLE-LIR NL",
            "2001:db8:ff00::/40 window=/56 # AGG NL",
            "2001:db8:1::/48 # AS64502 example route",
        }), "the inet6num's entry (with its window) is kept; each prefix once");
        Assert.That(summary.Prefixes, Is.EqualTo(3));
        Assert.That(summary.Duplicates, Is.EqualTo(3));
        Assert.That(summary.Matched, Is.EqualTo(6));
        Assert.That(summary.TotalTargets, Is.EqualTo((UInt128.One << 96) + (UInt128.One << 16) + (UInt128.One << 80)), "each prefix's space counted once");
        Assert.That(summary.ToString(), Does.Contain("prefixes: 3, total targets: ")
            .And.Contain("duplicates: 3 route6 object(s) of a prefix written already (one entry per prefix)"));
    }
}
