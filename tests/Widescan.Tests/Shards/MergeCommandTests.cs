using System.Text.Json;
using Widescan.Contracts;
using Widescan.Host;

namespace Widescan.Tests.Shards;

/// <summary>
/// <c>widescan merge</c> over shard files written here in the scan's own formats: one result per
/// address, mixed plans refused by name, missing and incomplete shards named with a non-zero exit.
/// </summary>
[TestFixture]
public sealed class MergeCommandTests
{
    private static readonly TargetSpec Plan = new() { Include = [Ipv6Prefix.Parse("2001:db8:100::/120")], Seed = 7, Shard = new ShardSpec(0, 4), AllowReserved = true };
    private string temp = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(temp = Path.Combine(Path.GetTempPath(), $"widescan-merge-{Guid.NewGuid():n}"));

    [TearDown]
    public void TearDown() => Directory.Delete(temp, recursive: true);

    [Test]
    public void Four_complete_shards_merge_into_each_address_once()
    {
        // Shard i holds the addresses i, i+4, ...; shard 1 was resumed and repeats two of its results.
        var files = Enumerable.Range(0, 4).Select(i => Shard(i, Addresses(i), resumedRepeating: i == 1 ? 2 : 0)).ToArray();
        var output = Path.Combine(temp, "merged.jsonl");

        var run = CliRun.Run(["merge", .. files, "--output", output]);

        var records = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var alive = records.Where(r => r.GetProperty("type").GetString() == "alive").Select(r => r.GetProperty("address").GetString()!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.Ok), run.ToString);
            Assert.That(alive, Has.Count.EqualTo(256).And.Unique);
            Assert.That(alive, Is.EqualTo(Enumerable.Range(0, 256).Select(Address).ToList()), "sorted by address");
            Assert.That(records[0].GetProperty("type").GetString(), Is.EqualTo("run"));
            Assert.That(records[0].GetProperty("fingerprint").GetString(), Is.EqualTo(PlanFingerprint.Of(Plan)));
            Assert.That(records[^1].GetProperty("type").GetString(), Is.EqualTo("merge"));
            Assert.That(records[^1].GetProperty("status").GetString(), Is.EqualTo("complete"));
            Assert.That(records[^1].GetProperty("duplicates").GetInt32(), Is.EqualTo(2));
            Assert.That(run.Error, Does.Contain("256 results from 4 file(s)").And.Contain("2 duplicates dropped"));
        });
    }

    [Test]
    public void Csv_shards_merge_into_csv_and_jsonl_into_csv()
    {
        var files = Enumerable.Range(0, 4).Select(i => Shard(i, Addresses(i), csv: i % 2 == 0)).ToArray();
        var output = Path.Combine(temp, "merged.csv");

        var run = CliRun.Run(["merge", .. files, "--output", output, "--format", "csv"]);

        var lines = File.ReadAllLines(output);
        var rows = lines.Where(l => l.StartsWith("alive,", StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.Ok), run.ToString);
            Assert.That(lines[0], Is.EqualTo(Host.Output.ResultWriter.CsvHeader));
            Assert.That(lines[1], Does.StartWith($"# widescan merge fingerprint={PlanFingerprint.Of(Plan)} shards=4"));
            Assert.That(rows.Select(r => r.Split(',')[1]).ToList(), Is.EqualTo(Enumerable.Range(0, 256).Select(Address).ToList()));
            Assert.That(rows.All(r => r.Split(',').Length == 11), Is.True);
            Assert.That(lines[^1], Does.StartWith("# widescan merge status=complete records=256"));
        });
    }

    [Test]
    public void A_missing_shard_is_named_and_the_merge_exits_4()
    {
        var files = new[] { 0, 1, 3 }.Select(i => Shard(i, Addresses(i))).ToArray();
        var output = Path.Combine(temp, "merged.jsonl");

        var run = CliRun.Run(["merge", .. files, "--output", output]);

        var last = JsonDocument.Parse(File.ReadAllLines(output)[^1]).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.ShardsIncomplete), run.ToString);
            Assert.That(run.Error, Does.Contain("widescan merge: missing: shard 2/4: no file holds it"));
            Assert.That(run.Error, Does.Contain("the set is incomplete (1 missing, 0 incomplete of 4 shards)"));
            Assert.That(last.GetProperty("status").GetString(), Is.EqualTo("incomplete"));
            Assert.That(last.GetProperty("missing").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "2/4" }));
        });
    }

    [Test]
    public void A_shard_without_its_closing_record_is_incomplete_unless_its_state_reached_the_end()
    {
        var files = Enumerable.Range(0, 4).Select(i => Shard(i, Addresses(i), summary: i != 3)).ToArray();
        var output = Path.Combine(temp, "merged.jsonl");
        var state = Path.Combine(temp, "state-3.json");

        var withoutState = CliRun.Run(["merge", .. files, "--output", output]);
        ScanState.Of(Plan with { Shard = new ShardSpec(3, 4) }, 64, 64, DateTimeOffset.UnixEpoch).Save(state);
        var withState = CliRun.Run(["merge", .. files, "--output", output, "--state", state]);

        Assert.Multiple(() =>
        {
            Assert.That(withoutState.Code, Is.EqualTo(ExitCodes.ShardsIncomplete), withoutState.ToString);
            Assert.That(withoutState.Error, Does.Contain($"incomplete: shard 3/4 ({files[3]}): {files[3]} has no closing record"));
            Assert.That(withState.Code, Is.EqualTo(ExitCodes.Ok), withState.ToString);
        });
    }

    [Test]
    public void Files_of_different_plans_are_refused_by_name_and_nothing_is_written()
    {
        var files = Enumerable.Range(0, 4).Select(i => Shard(i, Addresses(i), seed: i == 2 ? 8UL : 7UL)).ToArray();
        var output = Path.Combine(temp, "merged.jsonl");

        var run = CliRun.Run(["merge", .. files, "--output", output]);

        var other = PlanFingerprint.Of(Plan with { Seed = 8 });
        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
            Assert.That(run.Error, Does.Contain("the files are of different plans")
                .And.Contain($"plan {PlanFingerprint.Of(Plan)}: {files[0]}, {files[1]}, {files[3]}")
                .And.Contain($"plan {other}: {files[2]}"));
            Assert.That(run.Error, Does.Contain("widescan merge: nothing written"));
            Assert.That(File.Exists(output), Is.False);
        });
    }

    private static string Address(int k) => Ipv6Address.Format(Ipv6Prefix.Parse("2001:db8:100::/120").Network + (UInt128)k);

    private static IEnumerable<string> Addresses(int shard) => Enumerable.Range(0, 64).Select(k => Address(shard + (4 * k)));

    // A shard's file as widescan scan writes it: the run record (or comment), results, the closing record.
    private string Shard(int index, IEnumerable<string> addresses, int resumedRepeating = 0, bool summary = true, bool csv = false, ulong seed = 7)
    {
        var spec = Plan with { Shard = new ShardSpec(index, 4), Seed = seed };
        var fingerprint = PlanFingerprint.Of(spec);
        var path = Path.Combine(temp, $"shard-{index}.{(csv ? "csv" : "jsonl")}");
        var list = addresses.ToList();
        var lines = new List<string>();
        void Run(ulong start)
        {
            lines.Add(csv
                ? $"# widescan run version=2 command=scan fingerprint={fingerprint} shard={spec.Shard} seed=0x{seed:x16} startCursor={start} time=2026-12-01T18:00:00.000Z"
                : $$"""{"type":"run","version":2,"fingerprint":"{{fingerprint}}","command":"scan","shard":"{{spec.Shard}}","seed":"0x{{seed:x16}}","startCursor":{{start}},"rateRequested":1000,"nodeId":"00000000000000000000000000000001","time":"2026-12-01T18:00:00.000Z"}""");
        }

        void Alive(string address) => lines.Add(csv
            ? $"alive,{address},0.125,2026-12-01T18:00:01.000Z,,,,,,,"
            : $$"""{"type":"alive","address":"{{address}}","rttMs":0.125,"time":"2026-12-01T18:00:01.000Z"}""");

        if (csv)
            lines.Add(Host.Output.ResultWriter.CsvHeader);
        Run(0);
        foreach (var address in list.Take(list.Count - resumedRepeating))
            Alive(address);
        if (resumedRepeating > 0)
        {
            // Killed, then resumed from a checkpoint before its last results: they come again.
            Run(10);
            foreach (var address in list.Skip(list.Count - (2 * resumedRepeating)))
                Alive(address);
        }

        if (summary)
        {
            lines.Add(csv
                ? $"# widescan summary status=complete fingerprint={fingerprint} shard={spec.Shard} cursor=64 positions=64"
                : $$"""{"type":"summary","status":"complete","fingerprint":"{{fingerprint}}","shard":"{{spec.Shard}}","sent":64,"cursor":64,"positions":64,"time":"2026-12-01T18:00:02.000Z"}""");
        }

        File.WriteAllLines(path, lines);
        return path;
    }
}
