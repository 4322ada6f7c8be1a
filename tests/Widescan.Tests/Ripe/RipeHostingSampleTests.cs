using System.IO.Compression;
using System.Text;
using Widescan.Contracts;
using Widescan.Ripe;

namespace Widescan.Tests.Ripe;

/// <summary>
/// The sample of docs/hosting.md ("Importing RIPE route6 objects in a host") is <see cref="Sample"/>:
/// one test proves the two are the same text, another runs it on small dumps of each kind of object.
/// </summary>
public class RipeHostingSampleTests
{
    /// <summary>Dumps shaped like ripe.db.inet6num: kept, wrong country, unannounced, malformed.</summary>
    internal const string Inet6num =
        "inet6num:       2001:db8:1000::/36\nnetname:        EXAMPLE-LIR\ncountry:        NL\nstatus:         AGGREGATED-BY-LIR\nassignment-size: 48\nsource:         RIPE\n\n" +
        "inet6num:       2001:db8:2000::/48\nnetname:        EXAMPLE-PI\ncountry:        NL\nstatus:         ASSIGNED PI\n\n" +
        "inet6num:       2001:db8:3000::/48\nnetname:        OTHER-PI\ncountry:        DE\nstatus:         ASSIGNED PI\n\n" +
        "inet6num:       2001:db8:5000::/48\nnetname:        UNANNOUNCED-PI\ncountry:        NL\nstatus:         ASSIGNED PI\n\n" +
        "inet6num:       2001:db8:4000::1/48\nnetname:        BROKEN\ncountry:        NL\nstatus:         ASSIGNED PI\n\n";

    /// <summary>ripe.db.route6: the announcements covering the first two and the third inet6num objects.</summary>
    internal const string Route6 =
        "route6:         2001:db8:1000::/36\norigin:         AS64500\n\n" +
        "route6:         2001:db8:2000::/44\norigin:         AS64501\n\n" +
        "route6:         2001:db8:3000::/48\norigin:         AS64502\n\n";

    private string directory = "";

    [SetUp]
    public void CreateDirectory() => directory = Directory.CreateTempSubdirectory("widescan-ripe-sample-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    internal static byte[] Gzip(string text)
    {
        var bytes = new MemoryStream();
        using (var gzip = new GZipStream(bytes, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(text));
        return bytes.ToArray();
    }

    private static (RipeSummary Summary, List<TargetSpec> Specs) Sample(string inet6numFile, string route6File)
    {
        // --- ripe-sample: docs/hosting.md ---
        var import = new RipeImport(new RipeFilterOptions
        {
            Countries = ["NL"],
            Statuses = ["ASSIGNED PI", "AGGREGATED-BY-LIR"],
            AnnouncedOnly = true, // only inet6num space that a route6 object covers
        });
        var entries = new List<PrefixListEntry>();
        var summary = import.Run(inet6numFile, route6File, entries.Add);
        foreach (var problem in summary.Problems)
            Console.Error.WriteLine($"skipped {problem}"); // file:line: what is wrong with that object
        if (!summary.IsComplete)
            throw new InvalidDataException("a dump was cut short: " + string.Join("; ", summary.StreamErrors));

        // One TargetSpec per subnet window: an AGGREGATED-BY-LIR entry (window = its assignment-size) is
        // probed once per end site, any other prefix once per /64.
        var specs = entries
            .GroupBy(e => e.SubnetBits ?? 64)
            .Select(g => new TargetSpec { Include = [.. g.Select(e => e.Prefix)], SubnetBits = g.Key, Iid = IidPattern.Fixed(1) })
            .ToList();
        // --- end of ripe-sample ---
        return (summary, specs);
    }

    /// <summary>The code block after the docs' <c>&lt;!-- ripe-sample --&gt;</c> marker, one line per element.</summary>
    internal static List<string> DocumentedSample()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", "hosting.md"));
        var marker = Array.IndexOf(lines, "<!-- ripe-sample -->");
        Assert.That(marker, Is.GreaterThanOrEqualTo(0), "docs/hosting.md lost its <!-- ripe-sample --> marker");
        Assert.That(lines[marker + 1], Is.EqualTo("```csharp"));
        var end = Array.IndexOf(lines, "```", marker + 2);
        return [.. lines[(marker + 2)..end]];
    }

    [Test]
    public void TheDocumentedSampleIsTheOneTestedHere()
    {
        var source = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "tests", "Widescan.Tests", "Ripe", "RipeHostingSampleTests.cs"));
        var start = Array.FindIndex(source, l => l.Trim() == "// --- ripe-sample: docs/hosting.md ---");
        var end = Array.FindIndex(source, l => l.Trim() == "// --- end of ripe-sample ---");
        var tested = source[(start + 1)..end].Select(l => l.Length >= 8 ? l[8..] : l.Trim()).ToList();

        Assert.That(DocumentedSample(), Is.EqualTo(tested));
    }

    [Test]
    public void TheSampleImportsTheAnnouncedSpaceOfItsCountryIntoTargetSpecs()
    {
        var inet6num = Path.Combine(directory, "ripe.db.inet6num.gz");
        var route6 = Path.Combine(directory, "ripe.db.route6.gz");
        File.WriteAllBytes(inet6num, Gzip(Inet6num));
        File.WriteAllBytes(route6, Gzip(Route6));

        var (summary, specs) = Sample(inet6num, route6);

        Assert.That(specs.Select(s => (s.SubnetBits, string.Join(",", s.Include))), Is.EqualTo(new (int?, string)[]
        {
            (48, "2001:db8:1000::/36"),
            (64, "2001:db8:2000::/48"),
        }));
        Assert.That(specs.Select(s => s.Validate()), Is.All.Empty);
        Assert.That(specs.Select(s => s.PlannedTargets), Is.EqualTo(new[] { UInt128.One << 12, UInt128.One << 16 }));
        Assert.That(summary.Problems.Select(p => p.ToString()), Is.EqualTo(new[] { $"{inet6num}:23: inet6num: 2001:db8:4000::1/48 has host bits set (the network of that length is 2001:db8:4000::/48)" }));
        Assert.That((summary.ObjectsRead, summary.Matched, summary.Malformed, summary.Route6Read, summary.Route6Used), Is.EqualTo((5L, 2L, 1L, 3L, 3L)));
    }
}
