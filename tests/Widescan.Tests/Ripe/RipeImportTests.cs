using Widescan.Contracts;
using Widescan.Ripe;

namespace Widescan.Tests.Ripe;

public class RipeImportTests
{
    private static readonly List<Inet6numModel> Models = RpslFixture.Models(600);
    private static readonly byte[] Dump = Write(Models, seed: 11);

    internal static byte[] Write(IEnumerable<Inet6numModel> models, int seed)
    {
        var fixture = new RpslFixture(seed);
        foreach (var model in models)
            fixture.Write(model);
        return fixture.ToArray();
    }

    internal static (RipeSummary Summary, List<PrefixListEntry> Entries) Import(RipeFilterOptions filter, byte[] main, byte[]? route6 = null)
    {
        var entries = new List<PrefixListEntry>();
        var summary = new RipeImport(filter).Run(
            new MemoryStream(main), "inet6num", route6 is null ? null : new MemoryStream(route6), "route6", entries.Add);
        return (summary, entries);
    }

    private static void AssertKeeps(RipeFilterOptions filter, Func<int, Inet6numModel, bool> expected)
    {
        var (summary, entries) = Import(filter, Dump);
        var want = Models.Where((m, i) => expected(i, m)).Select(m => m.Prefix).ToList();
        Assert.That(want, Is.Not.Empty, "the fixture must hold objects the filter keeps");
        Assert.That(want, Has.Count.LessThan(Models.Count), "the fixture must hold objects the filter drops");
        Assert.That(entries.Select(e => e.Prefix), Is.EqualTo(want));
        Assert.That(summary.Matched, Is.EqualTo(want.Count));
        Assert.That(summary.ObjectsRead, Is.EqualTo(Models.Count));
    }

    [Test]
    public void WithoutFiltersEveryObjectBecomesAnEntryWithItsWindowAndComment()
    {
        var (summary, entries) = Import(new RipeFilterOptions(), Dump);

        Assert.That(entries, Has.Count.EqualTo(Models.Count));
        UInt128 targets = 0;
        for (var i = 0; i < Models.Count; i++)
        {
            var model = Models[i];
            Assert.That(entries[i], Is.EqualTo(new PrefixListEntry(model.Prefix, model.AssignmentSize, $"{model.Netname} {model.Country}")));
            targets += UInt128.One << ((model.AssignmentSize ?? 128) - model.Prefix.Length);
        }

        Assert.Multiple(() =>
        {
            Assert.That(summary.ObjectsRead, Is.EqualTo(Models.Count));
            Assert.That(summary.Matched, Is.EqualTo(Models.Count));
            Assert.That(summary.Malformed, Is.Zero);
            Assert.That(summary.Prefixes, Is.EqualTo(Models.Count));
            Assert.That(summary.TotalTargets, Is.EqualTo(targets));
        });
    }

    [Test]
    public void AssignmentSizeOfAggregatedObjectsBecomesTheWindow()
    {
        var (_, entries) = Import(new RipeFilterOptions { Statuses = ["aggregated-by-lir"] }, Dump);
        var aggregated = Models.Where(m => m.Status == "AGGREGATED-BY-LIR").ToList();

        Assert.That(entries, Has.Count.EqualTo(aggregated.Count).And.Count.GreaterThan(10));
        Assert.That(entries.Select(e => e.SubnetBits), Is.EqualTo(aggregated.Select(m => m.AssignmentSize)));
        Assert.That(entries.Select(e => e.SubnetBits).Distinct().Order(), Is.EqualTo(new int?[] { 56, 60, 64 }));
    }

    [Test]
    public void CountryFilterMatchesAnyListedCodeCaseInsensitively() =>
        AssertKeeps(new RipeFilterOptions { Countries = ["nl", "DE"] }, (_, m) => m.Country is "NL" or "DE");

    [Test]
    public void NetnameFilterIsACaseInsensitiveRegex() =>
        AssertKeeps(new RipeFilterOptions { NetnamePattern = "^example-net-1[0-9]$" }, (i, _) => i is >= 10 and <= 19);

    [Test]
    public void DescrFilterMatchesAnyDescrIncludingContinuationsAndLatin1() =>
        AssertKeeps(new RipeFilterOptions { DescrPattern = "CAFÉ zürich" }, (i, _) => i % 6 == 0);

    [Test]
    public void OrgFilter() =>
        AssertKeeps(new RipeFilterOptions { Orgs = ["org-ex2-ripe"] }, (i, _) => i % 4 == 2);

    [Test]
    public void MntByFilter() =>
        AssertKeeps(new RipeFilterOptions { MntBy = ["LIR-MNT", "DUMMY-MNT"] }, (_, m) => m.MntBy is "LIR-MNT" or "DUMMY-MNT");

    [Test]
    public void StatusFilterTakesSeveralStatuses() =>
        AssertKeeps(new RipeFilterOptions { Statuses = ["ASSIGNED PI", "allocated-by-rir"] }, (_, m) => m.Status is "ASSIGNED PI" or "ALLOCATED-BY-RIR");

    [Test]
    public void PrefixLengthRange()
    {
        AssertKeeps(new RipeFilterOptions { MaxLength = 44 }, (_, m) => m.Prefix.Length <= 44);
        AssertKeeps(new RipeFilterOptions { MinLength = 41, MaxLength = 48 }, (_, m) => m.Prefix.Length is >= 41 and <= 48);
    }

    [Test]
    public void FiltersCombineWithAnd() =>
        AssertKeeps(new RipeFilterOptions { Countries = ["NL", "DE"], Statuses = ["ALLOCATED-BY-RIR", "ALLOCATED-BY-LIR"], MntBy = ["EXAMPLE-MNT"] },
            (_, m) => m is { Country: "NL" or "DE", Status: "ALLOCATED-BY-RIR" or "ALLOCATED-BY-LIR", MntBy: "EXAMPLE-MNT" });

    [Test]
    public void MalformedObjectsAreCountedWithLinesAndNoValidObjectIsLost()
    {
        var fixture = new RpslFixture(seed: 12);
        var valid = Models.Take(40).ToList();
        var expectedLines = new List<(int Offset, string Text)>();
        var malformed = new (string[] Lines, int Offset, string Text)[]
        {
            (["inet6num: 2001:db8::1/48", "netname: HOST-BITS"], 0, "host bits set"),
            (["inet6num: 2001:db8::/129", "netname: TOO-LONG"], 0, "out of range"),
            (["inet6num: not-a-prefix", "netname: GARBAGE"], 0, "is not an IPv6 prefix"),
            (["netname: NO-KEY", "country: NL", "inet6num: 2001:db8::/48"], 0, "missing its key attribute"),
            (["inet6num: 2001:db8:ff00::/40", "netname: AGG", "status: AGGREGATED-BY-LIR"], 0, "has no assignment-size"),
            (["inet6num: 2001:db8:ff00::/40", "netname: AGG", "status: AGGREGATED-BY-LIR", "assignment-size: 32"], 3, "assignment-size '32'"),
            (["route6: 2001:db8::/32", "descr: no origin"], 0, "has no origin"),
            (["route6: 2001:db8::/32", "origin: ASX"], 1, "not an AS number"),
            (["inet6num: 2001:db8::/48", "bad line"], 1, "not 'attribute: value'"),
        };

        var expected = new List<(int Line, string Text)>();
        for (var i = 0; i < valid.Count; i++)
        {
            fixture.Write(valid[i]);
            if (i < malformed.Length)
            {
                fixture.Raw(malformed[i].Lines);
                expected.Add((fixture.StartLines[^1] + malformed[i].Offset, malformed[i].Text));
            }
        }

        fixture.Raw("person: Dummy Person", "nic-hdl: DUMY-RIPE");
        var (summary, entries) = Import(new RipeFilterOptions(), fixture.ToArray());

        Assert.That(entries.Select(e => e.Prefix), Is.EqualTo(valid.Select(m => m.Prefix)));
        Assert.That(summary.Malformed, Is.EqualTo(malformed.Length));
        Assert.That(summary.ObjectsRead, Is.EqualTo(valid.Count + malformed.Length));
        Assert.That(summary.OtherClasses, Is.EqualTo(1));
        Assert.That(summary.Problems, Has.Count.EqualTo(malformed.Length));
        for (var i = 0; i < malformed.Length; i++)
        {
            Assert.That(summary.Problems[i].Line, Is.EqualTo(expected[i].Line), summary.Problems[i].ToString());
            Assert.That(summary.Problems[i].Message, Does.Contain(expected[i].Text));
            Assert.That(summary.Problems[i].ToString(), Does.StartWith($"inet6num:{expected[i].Line}: "));
        }
    }

    [Test]
    public void AnnouncedOnlyKeepsTheSpaceRoute6ObjectsCover()
    {
        var main = new RpslFixture(seed: 13)
            .Raw("inet6num: 2001:db8::/32", "netname: ALLOCATION", "status: ALLOCATED-BY-RIR")
            .Raw("inet6num: 2001:db8:100::/48", "netname: COVERED", "status: ASSIGNED")
            .Raw("inet6num: 2001:db8:200::/48", "netname: UNANNOUNCED", "status: ASSIGNED")
            .Raw("inet6num: 2001:db8:8000::/33", "netname: PARTLY", "status: ALLOCATED-BY-LIR")
            .ToArray();
        var routes = new RpslFixture(seed: 14)
            .Route6("2001:db8:100::/40", "AS64500")
            .Route6("2001:db8:100::/44", "AS64500") // inside the /40: adds nothing
            .Route6("2001:db8:8000::/48", "AS64501")
            .Route6("2001:db8:c000::/40", "as64502")
            .Route6("2001:db8:1::/48", "AS64503")
            .ToArray();

        var (summary, entries) = Import(new RipeFilterOptions { AnnouncedOnly = true }, main, routes);

        Assert.That(entries.Select(e => $"{e.Prefix} {e.Comment}"), Is.EqualTo(new[]
        {
            "2001:db8:1::/48 ALLOCATION", "2001:db8:100::/40 ALLOCATION", "2001:db8:8000::/48 ALLOCATION", "2001:db8:c000::/40 ALLOCATION",
            "2001:db8:100::/48 COVERED",
            "2001:db8:8000::/48 PARTLY", "2001:db8:c000::/40 PARTLY",
        }));
        Assert.That(summary.Matched, Is.EqualTo(3));
        Assert.That(summary.Route6Read, Is.EqualTo(5));
        Assert.That(summary.Route6Used, Is.EqualTo(5));
    }

    [Test]
    public void OriginFilterSelectsWhichRoutesCountAsAnnouncements()
    {
        var main = new RpslFixture(seed: 15)
            .Raw("inet6num: 2001:db8::/32", "netname: ALLOCATION")
            .ToArray();
        var routes = new RpslFixture(seed: 16)
            .Route6("2001:db8:100::/40", "AS64500")
            .Route6("2001:db8:8000::/48", "AS64501")
            .Route6("2001:db8:c000::/40", "AS64502")
            .ToArray();

        var (summary, entries) = Import(new RipeFilterOptions { Origins = ["AS64501", "64502"] }, main, routes);

        Assert.That(entries.Select(e => e.Prefix.ToString()), Is.EqualTo(new[] { "2001:db8:8000::/48", "2001:db8:c000::/40" }));
        Assert.That(summary.Route6Used, Is.EqualTo(2));
    }

    [Test]
    public void Route6ObjectsInTheMainFileAreImportedWithTheOriginFilter()
    {
        var main = new RpslFixture(seed: 17)
            .Route6("2001:db8:100::/40", "AS64500", "EXAMPLE-MNT")
            .Route6("2001:db8:8000::/48", "AS64501", "EXAMPLE-MNT")
            .Route6("2001:db8:c000::/40", "AS64501", "OTHER-MNT")
            .ToArray();

        var (summary, entries) = Import(new RipeFilterOptions { Origins = ["as64501"], MntBy = ["example-mnt"] }, main);

        Assert.That(entries, Is.EqualTo(new[] { new PrefixListEntry(Ipv6Prefix.Parse("2001:db8:8000::/48"), null, "AS64501 example route") }));
        Assert.That(summary.ObjectsRead, Is.EqualTo(3));
    }

    [Test]
    public void AnnouncedPartOfAnAggregateKeepsOneTargetPerEndSite()
    {
        var main = new RpslFixture(seed: 18)
            .Raw("inet6num: 2001:db8:100::/40", "netname: AGG", "status: AGGREGATED-BY-LIR", "assignment-size: 56")
            .ToArray();
        var routes = new RpslFixture(seed: 19)
            .Route6("2001:db8:100::/44", "AS64500")
            .Route6("2001:db8:1ff:f0::/60", "AS64500")
            .ToArray();

        var (summary, entries) = Import(new RipeFilterOptions { AnnouncedOnly = true }, main, routes);

        Assert.That(entries.Select(e => PrefixList.Format(e with { Comment = null })), Is.EqualTo(new[]
        {
            "2001:db8:100::/44 window=/56",
            "2001:db8:1ff:f0::/60 window=/60",
        }));
        Assert.That(summary.TotalTargets, Is.EqualTo((UInt128)(4096 + 1)));
    }

    [Test]
    public void MalformedRoute6ObjectsAreCountedSeparately()
    {
        var main = new RpslFixture(seed: 20).Raw("inet6num: 2001:db8::/48", "netname: A").ToArray();
        var routeFixture = new RpslFixture(seed: 21)
            .Route6("2001:db8::/48", "AS64500")
            .Raw("route6: 2001:db8::1/32", "origin: AS64500")
            .Raw("inet6num: 2001:db8::/32", "netname: NOT-A-ROUTE");

        var (summary, entries) = Import(new RipeFilterOptions { AnnouncedOnly = true }, main, routeFixture.ToArray());

        Assert.That(entries, Has.Count.EqualTo(1));
        Assert.That(summary.Route6Read, Is.EqualTo(2));
        Assert.That(summary.Route6Malformed, Is.EqualTo(1));
        Assert.That(summary.Malformed, Is.Zero);
        Assert.That(summary.Problems.Single().ToString(), Does.StartWith($"route6:{routeFixture.StartLines[1]}: route6: 2001:db8::1/32 has host bits set"));
    }

    [Test]
    public void UnusableFiltersAreRefusedWithEveryReasonInOptionNames()
    {
        Assert.That(() => Import(new RipeFilterOptions { AnnouncedOnly = true }, Dump),
            Throws.TypeOf<RipeOptionsException>().With.Property(nameof(RipeOptionsException.Errors))
                .EqualTo(new[] { "AnnouncedOnly needs the route6 objects: give the import route6 objects (ripe.db.route6)" }));
        Assert.That(() => new RipeImport(new RipeFilterOptions { MinLength = 50, MaxLength = 40, NetnamePattern = "(a", Origins = ["AS64500", "ASX"] }),
            Throws.TypeOf<RipeOptionsException>().With.Property(nameof(RipeOptionsException.Errors)).Matches<IReadOnlyList<string>>(errors =>
                errors.Count == 3
                && errors[0].StartsWith("NetnamePattern '(a' is not a usable regular expression: ", StringComparison.Ordinal)
                && errors[1] == "Origins 'ASX' is not an AS number (AS64500 or 64500)"
                && errors[2] == "MinLength 50 is greater than MaxLength 40"));
    }

    [Test]
    public void ValidationNamesOptionsTheWayTheCallerAsks()
    {
        var options = new RipeFilterOptions { MinLength = 200, DescrPattern = "[", AnnouncedOnly = true };
        var errors = options.Validate(hasRoute6: false, name => name switch
        {
            nameof(RipeFilterOptions.MinLength) => "min_length",
            RipeFilterOptions.Route6Input => "route6_file",
            _ => null,
        });

        Assert.That(errors, Has.Count.EqualTo(3));
        Assert.That(errors[0], Does.StartWith("DescrPattern '[' is not a usable regular expression: "));
        Assert.That(errors[1], Is.EqualTo("min_length 200 is out of range (0-128)"));
        Assert.That(errors[2], Is.EqualTo("AnnouncedOnly needs the route6 objects: give route6_file (ripe.db.route6)"));
        Assert.That(new RipeFilterOptions { AnnouncedOnly = true }.Validate(hasRoute6: true), Is.Empty);
    }

    [Test]
    public void OneImportRunTwiceGivesTheSameEntriesEachTime()
    {
        var import = new RipeImport(new RipeFilterOptions { Countries = ["NL"] });
        var first = new List<PrefixListEntry>();
        var second = new List<PrefixListEntry>();
        var a = import.Run(new MemoryStream(Dump), "inet6num", null, null, first.Add);
        var b = import.Run(new MemoryStream(Dump), "inet6num", null, null, second.Add);

        Assert.That(first, Is.Not.Empty);
        Assert.That(second, Is.EqualTo(first));
        Assert.That((b.Prefixes, b.Matched, b.TotalTargets), Is.EqualTo((a.Prefixes, a.Matched, a.TotalTargets)));
    }

    [Test]
    public void ACancelledImportStopsAtTheNextObject()
    {
        using var cancel = new CancellationTokenSource();
        var entries = new List<PrefixListEntry>();
        var import = new RipeImport(new RipeFilterOptions());

        Assert.That(() => import.Run(new MemoryStream(Dump), "inet6num", null, null, entry =>
        {
            entries.Add(entry);
            cancel.Cancel();
        }, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(entries, Has.Count.EqualTo(1));
    }

    [TestCase("AS64500", true, 64500u)]
    [TestCase(" as4200000000 ", true, 4200000000u)]
    [TestCase("64500", true, 64500u)]
    [TestCase("AS", false, 0u)]
    [TestCase("AS-64500", false, 0u)]
    [TestCase("AS4294967296", false, 0u)]
    public void AsNumbersParseAsRpslWritesThem(string text, bool ok, uint asn)
    {
        Assert.That(AsNumber.TryParse(text, out var parsed), Is.EqualTo(ok));
        if (ok)
        {
            Assert.That(parsed, Is.EqualTo(asn));
            Assert.That(AsNumber.Format(parsed), Is.EqualTo($"AS{asn}"));
        }
    }
}
