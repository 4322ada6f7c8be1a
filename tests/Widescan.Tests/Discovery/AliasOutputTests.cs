using System.Text;
using System.Text.Json;
using Widescan.Contracts;
using Widescan.Host.Output;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The CLI side of dealiasing: <c>--dealias</c> and <c>--alias-length</c> into the options (errors in
/// flag names), the <c>aliased</c> record in JSONL and CSV, the summary's counts, and the record read
/// back by <c>widescan prefixes --type aliased</c>.
/// </summary>
public class AliasOutputTests
{
    private static readonly DateTimeOffset Time = new(2026, 12, 1, 18, 0, 0, 250, TimeSpan.Zero);
    private static readonly PrefixAliased Aliased = new(Time, Ipv6Prefix.Parse("2001:db8:a:b::/64"), 16, 15, Ipv6Address.Parse("2001:db8:a:b::7"));

    [Test]
    public void DealiasingIsOnAtSlash64ByDefaultAndTheFlagsSetIt()
    {
        var (defaults, none) = CliParse.Scan("--prefix", "2001:db8::/112", "--allow-reserved");
        var (off, noErrors) = CliParse.Scan("--prefix", "2001:db8::/112", "--allow-reserved", "--dealias", "off", "--alias-length", "48");
        Assert.Multiple(() =>
        {
            Assert.That(none.Concat(noErrors), Is.Empty);
            Assert.That((defaults!.Options.Dealias, defaults.Options.AliasLength), Is.EqualTo((true, 64)));
            Assert.That((off!.Options.Dealias, off.Options.AliasLength), Is.EqualTo((false, 48)));
        });
    }

    [Test]
    public void BadDealiasFlagsAreNamedByTheirFlagsAllAtOnce()
    {
        var (request, errors) = CliParse.Scan("--prefix", "2001:db8::/112", "--allow-reserved", "--dealias", "maybe", "--alias-length", "121");
        Assert.Multiple(() =>
        {
            Assert.That(request, Is.Null);
            Assert.That(errors, Has.Some.EqualTo("--dealias 'maybe': use on or off"));
            Assert.That(errors, Has.Some.StartsWith("--alias-length 121 out of range (32-120)"));
            Assert.That(errors, Has.None.Contains("AliasLength"), "the CLI names its flag, not the option");
        });
        Assert.That(new WidescanOptions { ListenOnly = true, AliasLength = 20 }.Validate(), Has.Some.StartsWith("AliasLength 20 out of range (32-120)"), "the contracts name the option");
    }

    [Test]
    public void AnAliasedPrefixIsOneJsonRecordWithItsEvidence()
    {
        var lines = Written(ResultFormat.Jsonl, w => w.Write(Aliased)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1));
        var root = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "type", "prefix", "probed", "answered", "trigger", "time" }));
            Assert.That(root.GetProperty("type").GetString(), Is.EqualTo("aliased"));
            Assert.That(root.GetProperty("prefix").GetString(), Is.EqualTo("2001:db8:a:b::/64"));
            Assert.That(root.GetProperty("probed").GetInt32(), Is.EqualTo(16));
            Assert.That(root.GetProperty("answered").GetInt32(), Is.EqualTo(15));
            Assert.That(root.GetProperty("trigger").GetString(), Is.EqualTo("2001:db8:a:b::7"));
            Assert.That(root.GetProperty("time").GetString(), Is.EqualTo("2026-12-01T18:00:00.250Z"));
        });
    }

    [Test]
    public void InCsvTheAliasedPrefixTakesTheAddressColumn()
    {
        var text = Written(ResultFormat.Csv, w => w.Write(Aliased));
        Assert.That(text, Is.EqualTo(ResultWriter.CsvHeader + "\naliased,2001:db8:a:b::/64,,2026-12-01T18:00:00.250Z,,,,,,,\n"));
        Assert.That(text.Split('\n')[1].Split(','), Has.Length.EqualTo(ResultWriter.CsvHeader.Split(',').Length), "the header's columns");
    }

    [Test]
    public void TheSummaryRecordAndLineCarryTheAliasCounts()
    {
        var summary = new DiscoverySummary { ProbesSent = 65_568, Alive = 40, AliasedPrefixes = 1, AliasedHosts = 65_536, AliasProbes = 32, Positions = 10, Cursor = 10 };
        var root = JsonDocument.Parse(Written(ResultFormat.Jsonl, w => w.WriteSummary(summary, DiscoveryStatus.Complete, Time))).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("aliasedPrefixes").GetUInt64(), Is.EqualTo(1UL));
            Assert.That(root.GetProperty("aliasedHosts").GetUInt64(), Is.EqualTo(65_536UL));
            Assert.That(root.GetProperty("aliasProbes").GetUInt64(), Is.EqualTo(32UL));
            Assert.That(SummaryLine.Format("widescan scan", summary, listenOnly: false, statePath: null),
                Does.Contain("40 alive").And.Contain("; 1 aliased prefixes (65536 live hosts inside not reported, 32 alias probes)"));
            Assert.That(SummaryLine.Format("widescan scan", summary with { AliasedPrefixes = 0, AliasedHosts = 0, AliasProbes = 0 }, false, null), Does.Not.Contain("aliased"),
                "nothing said when dealiasing sent nothing");
        });
    }

    [Test]
    public void WidescanPrefixesReadsTheAliasedRecordBack()
    {
        var path = Path.Combine(Path.GetTempPath(), $"widescan-aliased-{Environment.ProcessId}.jsonl");
        try
        {
            File.WriteAllText(path, Written(ResultFormat.Jsonl, w =>
            {
                w.Write(Aliased);
                w.Write(new HostAlive(Time, Ipv6Address.Parse("2001:db8:c::1"), TimeSpan.FromMilliseconds(1)));
            }));
            var run = CliRun.Run("prefixes", "--from", path, "--type", "aliased", "--length", "48");
            var all = CliRun.Run("prefixes", "--from", path, "--type", "aliased,alive", "--length", "64");
            Assert.Multiple(() =>
            {
                Assert.That(run.Code, Is.Zero, run.ToString());
                Assert.That(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "2001:db8:a::/48" }));
                Assert.That(all.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "2001:db8:a:b::/64", "2001:db8:c::/64" }), all.ToString());
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Written(ResultFormat format, Action<ResultWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new ResultWriter(stream, format, flushEachRecord: false))
            write(writer);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
