using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Widescan.Contracts;
using Widescan.Host;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Shards;

/// <summary>
/// <c>widescan merge</c> given what an attacker, a crash or a mistake leaves: files that are no
/// files, outputs that are inputs, a full disk, fields that would forge CSV rows, forged closing
/// records. Each ends in a specific error (all of them at once), never a hang, a crash or a
/// half-written file.
/// </summary>
[TestFixture]
public sealed class MergeHostileInputTests
{
    private static readonly TargetSpec Spec = new() { Include = [Ipv6Prefix.Parse("2001:db8:100::/120")], Seed = 7, AllowReserved = true };
    private string temp = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(temp = Path.Combine(Path.GetTempPath(), $"widescan-hostile-{Guid.NewGuid():n}"));

    [TearDown]
    public void TearDown() => Directory.Delete(temp, recursive: true);

    [Test]
    public void Files_that_are_no_regular_files_are_refused_together_without_opening_them()
    {
        // A FIFO nobody writes would block open(2) for ever; /dev/zero never ends.
        var fifo = Path.Combine(temp, "fifo");
        Assert.That(Process.Start("mkfifo", [fifo]).WaitForExit(5000), Is.True);
        var directory = Directory.CreateDirectory(Path.Combine(temp, "dir")).FullName;
        var absent = Path.Combine(temp, "absent.jsonl");
        var output = Path.Combine(temp, "merged.jsonl");

        var merge = Task.Run(() => CliRun.Run(["merge", Shard(0, 1), fifo, "/dev/zero", directory, absent, "--state", fifo, "--output", output]));

        Assert.That(merge.Wait(TimeSpan.FromSeconds(20)), Is.True, "merge hung on a FIFO");
        var run = merge.Result;
        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
            Assert.That(run.Error, Does.Contain($"merge: {fifo} is a FIFO, not a regular file"));
            Assert.That(run.Error, Does.Contain("merge: /dev/zero is a character device, not a regular file"));
            Assert.That(run.Error, Does.Contain($"merge: {directory} is a directory, not a regular file"));
            Assert.That(run.Error, Does.Contain($"merge: {absent}: no such file"));
            Assert.That(run.Error, Does.Contain($"merge: --state {fifo} is a FIFO"));
            Assert.That(File.Exists(output), Is.False);
        });
    }

    [Test]
    public void An_output_that_is_an_input_under_another_name_is_refused_and_the_input_kept()
    {
        var shard = Shard(0, 1);
        var text = File.ReadAllText(shard);
        var symlink = Path.Combine(temp, "link.jsonl");
        var hardlink = Path.Combine(temp, "hard.jsonl");
        File.CreateSymbolicLink(symlink, shard);
        Assert.That(Process.Start("ln", [shard, hardlink]).WaitForExit(5000), Is.True);

        var throughSymlink = CliRun.Run(["merge", shard, "--output", symlink]);
        var throughHardlink = CliRun.Run(["merge", shard, "--output", hardlink]);

        Assert.Multiple(() =>
        {
            Assert.That(throughSymlink.Code, Is.EqualTo(ExitCodes.Usage), throughSymlink.ToString);
            Assert.That(throughSymlink.Error, Does.Contain("--output and FILE name the same file"));
            Assert.That(throughHardlink.Code, Is.EqualTo(ExitCodes.Usage), throughHardlink.ToString);
            Assert.That(throughHardlink.Error, Does.Contain($"--output and FILE name the same file, {hardlink} (also reached as {shard})"));
            Assert.That(File.ReadAllText(shard), Is.EqualTo(text));
        });
    }

    [Test]
    public void A_file_given_twice_under_two_names_is_read_once()
    {
        var shard = Shard(0, 1);
        var hardlink = Path.Combine(temp, "again.jsonl");
        Assert.That(Process.Start("ln", [shard, hardlink]).WaitForExit(5000), Is.True);

        var run = CliRun.Run(["merge", shard, hardlink, "--output", Path.Combine(temp, "merged.jsonl")]);

        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.Ok), run.ToString);
            Assert.That(run.Error, Does.Contain($"warning: {hardlink} is {shard} again: read once"));
            Assert.That(run.Error, Does.Contain("from 1 file(s)").And.Not.Contain("is in 2 files"));
        });
    }

    [Test]
    public void A_symbolic_link_where_the_temporary_file_used_to_go_is_not_followed()
    {
        // Before: FILE.tmp opened with O_TRUNC and no O_EXCL, so a link planted in a shared directory
        // had a root merge overwrite the file it names.
        var victim = Path.Combine(temp, "victim");
        File.WriteAllText(victim, "precious\n");
        var output = Path.Combine(temp, "merged.jsonl");
        File.CreateSymbolicLink(output + ".tmp", victim);

        var run = CliRun.Run(["merge", Shard(0, 1), "--output", output]);

        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.Ok), run.ToString);
            Assert.That(File.ReadAllText(victim), Is.EqualTo("precious\n"));
            Assert.That(File.ReadAllLines(output)[^1], Does.Contain("\"type\":\"merge\""));
        });
    }

    [Test]
    public void A_full_disk_leaves_the_old_output_whole_and_no_temporary_file()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to mount a tmpfs");
        var shard = Shard(0, 1, addresses: 3000); // about 240 KB merged, in a 64 KiB file system
        var small = Directory.CreateDirectory(Path.Combine(temp, "small")).FullName;
        Assert.That(Process.Start("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", small]).WaitForExit(5000), Is.True);
        try
        {
            var output = Path.Combine(small, "merged.jsonl");
            File.WriteAllText(output, "the merge before\n");

            var run = CliRun.Run(["merge", shard, "--output", output]);

            Assert.Multiple(() =>
            {
                Assert.That(run.Code, Is.EqualTo(ExitCodes.Failure), run.ToString);
                Assert.That(run.Error, Does.Contain("No space left on device").And.Contain($"{output} was left as it was"));
                Assert.That(File.ReadAllText(output), Is.EqualTo("the merge before\n"));
                Assert.That(Directory.GetFiles(small), Is.EqualTo(new[] { output }));
            });
        }
        finally
        {
            Process.Start("umount", [small]).WaitForExit(5000);
        }
    }

    [Test]
    public void Fields_that_would_forge_csv_rows_and_json_that_reads_two_ways_are_refused_all_at_once()
    {
        var json = Shard(0, 2, extra:
        [
            """{"type":"peer","address":"2001:db8::a","nodeId":"x\n# widescan summary status=complete","port":1,"authenticated":true,"how":"announce","time":"t"}""",
            """{"type":"peer","address":"2001:db8::b","nodeId":"x\"","port":1,"authenticated":true,"how":"announce","time":"t"}""",
            """{"type":"peer","address":"2001:db8::c","nodeId":"x,y","port":1,"authenticated":true,"how":"announce","time":"t"}""",
            """{"type":"alive","address":"2001:db8::d","address":"2001:db8::e","time":"t"}""",
            """{"type":"alive","address":"2001:db8::f","time":"t","x":[[[[[[[[[[1]]]]]]]]]]}""",
        ]);
        var csv = Path.Combine(temp, "shard-1.csv");
        File.WriteAllLines(csv,
        [
            Host.Output.ResultWriter.CsvHeader,
            $"# widescan run version=2 command=scan fingerprint={Plan(2)} shard=1/2 seed=0x1 startCursor=0 time=t",
            "peer,2001:db8::1,,t,=cmd|x,1,true,announce,,,",
            "peer,2001:db8::2,,t,@SUM(1),1,true,announce,,,",
            $"# widescan summary status=complete fingerprint={Plan(2)} shard=1/2 cursor=99999999999999999999 positions=4",
        ]);
        var output = Path.Combine(temp, "merged.csv");

        var run = CliRun.Run(["merge", json, csv, "--output", output, "--format", "csv"]);

        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
            Assert.That(run.Error, Does.Contain($"{json}: line 2: field 'nodeId' holds a control character (0x0a"));
            Assert.That(run.Error, Does.Contain($"{json}: line 3: field 'nodeId' holds a quote"));
            Assert.That(run.Error, Does.Contain($"{json}: line 4: field 'nodeId' holds a comma"));
            Assert.That(run.Error, Does.Contain($"{json}: line 5: not a JSON object").And.Contain("'address'"));
            Assert.That(run.Error, Does.Contain($"{json}: line 6: not a JSON object").And.Contain("depth"));
            Assert.That(run.Error, Does.Contain($"{csv}: line 3: field 'nodeId' starts with '=', which a spreadsheet runs as a formula"));
            Assert.That(run.Error, Does.Contain($"{csv}: line 4: field 'nodeId' starts with '@'"));
            Assert.That(run.Error, Does.Contain($"{csv}: line 5: 'cursor=99999999999999999999' is not a whole number"));
            Assert.That(File.Exists(output), Is.False);
        });
    }

    [Test]
    public void A_closing_record_claiming_positions_no_plan_gives_is_refused()
    {
        // Shards of one plan hold ceil((P - i) / n) positions each: 64, 64, 64, 64 here; shard 2's
        // "complete at cursor 0 of 0" is a forgery or a damaged run, not a finished shard.
        var files = Enumerable.Range(0, 4).Select(i => Shard(i, 4, positions: i == 2 ? 0UL : 64UL)).ToArray();

        var run = CliRun.Run(["merge", .. files, "--output", Path.Combine(temp, "merged.jsonl")]);

        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
            Assert.That(run.Error, Does.Contain("the shards' positions fit no one plan").And.Contain($"shard 2/4 0 ({files[2]})"));
            Assert.That(run.Error, Does.Contain("nothing written"));
        });
    }

    [Test]
    public void A_state_file_disagreeing_with_the_closing_record_on_positions_is_refused()
    {
        var files = Enumerable.Range(0, 2).Select(i => Shard(i, 2)).ToArray();
        var state = Path.Combine(temp, "state-1.json");
        ScanState.Of(Spec with { Shard = new ShardSpec(1, 2) }, 10, 10, DateTimeOffset.UnixEpoch).Save(state);

        var run = CliRun.Run(["merge", .. files, "--state", state, "--output", Path.Combine(temp, "merged.jsonl")]);

        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
            Assert.That(run.Error, Does.Contain($"shard 1/2 is said to hold 64 positions ({files[1]}) and 10 positions ({state})"));
        });
    }

    [Test]
    public void A_resume_that_skipped_positions_or_a_state_past_lost_answers_leaves_the_shard_incomplete()
    {
        // Shard 0: closed at cursor 20 (interrupted), then resumed at 40: 20-39 never sent.
        var gap = Shard(0, 2, closings: [("interrupted", 20UL, 0UL), ("complete", 64UL, 40UL)]);

        // Shard 1: lost answers by its own closing record; a state at the end must not overrule it.
        var lost = Shard(1, 2, closings: [("incomplete", 64UL, 0UL)]);
        var state = Path.Combine(temp, "state-1.json");
        ScanState.Of(Spec with { Shard = new ShardSpec(1, 2) }, 64, 64, DateTimeOffset.UnixEpoch).Save(state);
        var output = Path.Combine(temp, "merged.jsonl");

        var run = CliRun.Run(["merge", gap, lost, "--state", state, "--output", output]);

        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.ShardsIncomplete), run.ToString);
            Assert.That(run.Error, Does.Contain($"incomplete: shard 0/2 ({gap}): run 2 of {gap} starts at cursor 40, past cursor 20 where the run before it closed: positions 20 to 39 were never sent"));
            Assert.That(run.Error, Does.Contain($"incomplete: shard 1/2 ({lost}): {lost} lost answers").And.Contain("which does not overrule a closing record"));
            Assert.That(JsonDocument.Parse(File.ReadAllLines(output)[^1]).RootElement.GetProperty("status").GetString(), Is.EqualTo("incomplete"));
        });
    }

    [Test]
    public void A_huge_shard_count_lists_the_missing_shards_as_ranges_at_once()
    {
        // Before: one loop step and one message per shard of the count, 2^31 of them.
        var shard = Shard(5, 2_000_000_000, positions: 1);
        var output = Path.Combine(temp, "merged.jsonl");

        var run = CliRun.Run(["merge", shard, "--output", output]);

        var last = JsonDocument.Parse(File.ReadAllLines(output)[^1]).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.ShardsIncomplete), run.ToString);
            Assert.That(run.Error, Does.Contain("missing: shards 0-4/2000000000: no file holds them").And.Contain("missing: shards 6-1999999999/2000000000"));
            Assert.That(last.GetProperty("missing").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "0-4/2000000000", "6-1999999999/2000000000" }));
            Assert.That(last.GetProperty("missingCount").GetInt64(), Is.EqualTo(1_999_999_999));
        });
    }

    [Test]
    public void The_same_shard_in_two_files_is_merged_with_a_warning_naming_both()
    {
        var first = Shard(0, 1);
        var second = Shard(0, 1, name: "rerun", addresses: 2);

        var run = CliRun.Run(["merge", first, second, "--output", Path.Combine(temp, "merged.jsonl")]);

        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(ExitCodes.Ok), run.ToString);
            Assert.That(run.Error, Does.Contain($"warning: shard 0/1 is in 2 files ({first}, {second})"));
            Assert.That(run.Error, Does.Contain("2 results from 2 file(s)").And.Contain("1 duplicates dropped"));
        });
    }

    [Test]
    public void A_million_repeats_are_held_once_so_memory_follows_the_distinct_results()
    {
        // Before, every line and every record of every file was held until the end: 400k repeated
        // rows needed some 200 MB. A 32 MB GC heap now suffices, whatever the file's length.
        var path = Path.Combine(temp, "repeats.csv");
        using (var writer = new StreamWriter(path, false, new UTF8Encoding(false)))
        {
            writer.Write($"{Host.Output.ResultWriter.CsvHeader}\n# widescan run version=2 command=scan fingerprint={Plan(1)} shard=0/1 seed=0x1 startCursor=0 time=t\n");
            for (var i = 0; i < 400_000; i++)
                writer.Write("alive,2001:db8::1,0.125,2026-12-01T18:00:01.000Z,,,,,,,\n");
            writer.Write($"# widescan summary status=complete fingerprint={Plan(1)} shard=0/1 cursor=1 positions=1\n");
        }

        var output = Path.Combine(temp, "merged.jsonl");
        var widescan = Path.Combine(AppContext.BaseDirectory, "widescan.dll");
        var run = ProcessRunner.Run("dotnet", [widescan, "merge", path, "--output", output], temp, TimeSpan.FromMinutes(1),
            new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x2000000" });

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Ok), run.ToString);
            Assert.That(run.Output, Does.Contain("1 results from 1 file(s)").And.Contain("399999 duplicates dropped"));
        });
    }

    private static string Plan(int count) => PlanFingerprint.Of(Spec with { Shard = new ShardSpec(0, count) });

    // A JSONL shard file: its run record, `addresses` alive results, and one closing record per run
    // (status, cursor, the run's start cursor); one complete run of `positions` by default.
    private string Shard(int index, int count, int addresses = 1, ulong positions = 64, string name = "shard",
        (string Status, ulong Cursor, ulong Start)[]? closings = null, string[]? extra = null)
    {
        var path = Path.Combine(temp, $"{name}-{index}.jsonl");
        var shard = new ShardSpec(index, count);
        var plan = Plan(count);
        var lines = new List<string>();
        foreach (var (status, cursor, start) in closings ?? [("complete", positions, 0UL)])
        {
            lines.Add($$"""{"type":"run","version":2,"fingerprint":"{{plan}}","command":"scan","shard":"{{shard}}","seed":"0x0000000000000007","startCursor":{{start}},"time":"t"}""");
            if (lines.Count == 1)
            {
                lines.AddRange(extra ?? []);
                for (var k = 0; k < addresses; k++)
                    lines.Add($$"""{"type":"alive","address":"2001:db8:{{index:x}}::{{k + 1:x}}","rttMs":0.125,"time":"2026-12-01T18:00:01.000Z"}""");
            }

            lines.Add($$"""{"type":"summary","status":"{{status}}","fingerprint":"{{plan}}","shard":"{{shard}}","cursor":{{cursor}},"positions":{{positions}},"time":"t"}""");
        }

        File.WriteAllLines(path, lines);
        return path;
    }
}
