using Widescan.Contracts;
using Widescan.Host;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Shards;

/// <summary>
/// deploy/slurm/widescan-array.sbatch on a real single-node Slurm (<see cref="SlurmCluster"/>): four
/// array tasks, two at a time, each a shard of a dense /112 scanned inside a namespace lab through the
/// template's WIDESCAN_EXEC prefix; <c>widescan merge</c> of their files gives every address once,
/// and refuses the same run in which one task had another seed.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(150_000)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SlurmArrayLabTests
{
    private const string Swept = "2001:db8:100::/112";
    private const string Seed = "0x5eed";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private SlurmCluster? cluster;
    private NetnsLab? lab;
    private string temp = "";

    [OneTimeSetUp]
    public void StartCluster()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to run Slurm's daemons and create network namespaces");
        lab = NetnsLab.Dense(Swept);
        cluster = SlurmCluster.Start(cpus: 2);
        temp = Directory.CreateTempSubdirectory("widescan-slurm-array-").FullName;
    }

    [OneTimeTearDown]
    public void StopCluster()
    {
        cluster?.Dispose();
        lab?.Dispose();
        if (temp.Length > 0)
            Directory.Delete(temp, recursive: true);
    }

    [Test]
    public void Four_array_tasks_cover_a_dense_slash_112_and_merge_gives_each_address_once()
    {
        var results = Array("good", $"ip netns exec {lab!.Scanner}");

        var files = Enumerable.Range(0, 4).Select(i => Path.Combine(results, $"shard-{i}.jsonl")).ToList();
        var merged = Path.Combine(temp, "merged.jsonl");
        var merge = ShardFiles.Merge(merged, files, Enumerable.Range(0, 4).Select(i => Path.Combine(results, $"state-{i}.json")));
        var alive = ShardFiles.Records(merged).OfType("alive").Select(r => Ipv6Address.Parse(r.GetProperty("address").GetString()!)).ToList();
        var runs = files.Select(f => ShardFiles.Records(f).OfType("run").Single()).ToList();
        var fingerprint = PlanFingerprint.Of(new TargetSpec { Include = [Ipv6Prefix.Parse(Swept)], Seed = 0x5eed, Shard = new ShardSpec(0, 4), AllowReserved = true });
        Assert.Multiple(() =>
        {
            Assert.That(merge.ExitCode, Is.EqualTo(ExitCodes.Ok), merge.ToString);
            Assert.That(alive, Has.Count.EqualTo(65_536), "every address of the /112");
            Assert.That(alive.Distinct().Count(), Is.EqualTo(65_536), "each once");
            Assert.That(alive.All(Ipv6Prefix.Parse(Swept).Contains), Is.True);
            Assert.That(runs.Select(r => r.GetProperty("shard").GetString()), Is.EqualTo(new[] { "0/4", "1/4", "2/4", "3/4" }), "task i took shard i/4 (--shard auto)");
            Assert.That(runs.Select(r => r.GetProperty("fingerprint").GetString()), Has.All.EqualTo(fingerprint), "one plan, as the contracts compute it");
            Assert.That(File.ReadAllText(Path.Combine(temp, "good-2.out")), Does.Contain("40000 probes/s (80000 over 2 at once)"), "the rate divided by the array's throttle (%2), read from scontrol");
        });
    }

    [Test]
    public void The_same_run_with_one_task_given_another_seed_is_refused_by_merge()
    {
        // A command prefix that gives task 2 another seed: a shard that silently disagrees.
        var wrapper = Path.Combine(temp, "other-seed.sh");
        File.WriteAllText(wrapper, $$"""
            #!/bin/sh
            # Task 2 gets another seed; every task runs in the lab's scanner namespace.
            prev=
            for a in "$@"; do
              shift
              if [ "$prev" = "--seed" ] && [ "$SLURM_ARRAY_TASK_ID" = 2 ]; then a=0x5eee; fi
              set -- "$@" "$a"
              prev="$a"
            done
            exec ip netns exec {{lab!.Scanner}} "$@"

            """);
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var results = Array("bad", wrapper);

        var files = Enumerable.Range(0, 4).Select(i => Path.Combine(results, $"shard-{i}.jsonl")).ToList();
        var merged = Path.Combine(temp, "refused.jsonl");
        var merge = ShardFiles.Merge(merged, files);
        Assert.Multiple(() =>
        {
            Assert.That(ShardFiles.Records(files[2]).OfType("run").Single().GetProperty("seed").GetString(), Is.EqualTo("0x0000000000005eee"), "the wrapper changed task 2's seed");
            Assert.That(merge.ExitCode, Is.EqualTo(ExitCodes.Usage), merge.ToString);
            Assert.That(merge.Output, Does.Contain("the files are of different plans").And.Contain($": {files[2]}"));
            Assert.That(merge.Output, Does.Contain($"{files[0]}, {files[1]}, {files[3]}"), "the three that agree, named together");
            Assert.That(File.Exists(merged), Is.False, "nothing written");
        });
    }

    // Submits the template as a 4-task array, 2 at a time, and returns its results directory.
    private string Array(string name, string exec)
    {
        var results = Path.Combine(temp, name);
        var template = Path.Combine(RepositoryRoot.Path, "deploy", "slurm", "widescan-array.sbatch");
        var submit = cluster!.Submit(template, ["--array=0-3%2", $"--chdir={temp}", $"--output={Path.Combine(temp, name)}-%a.out", "--cpus-per-task=1"], new Dictionary<string, string>
        {
            ["WIDESCAN_SEED"] = Seed,
            ["WIDESCAN_TARGETS"] = $"--prefix {Swept} --allow-reserved",
            ["WIDESCAN_TOTAL_RATE"] = "80000",
            ["WIDESCAN_OUT"] = results,
            ["WIDESCAN"] = string.Join(' ', ShardFiles.Widescan),
            ["WIDESCAN_EXEC"] = exec,
            ["WIDESCAN_ARGS"] = "--generator cpu --cooldown 1",
        }, Limit);
        var outputs = string.Join("\n", Directory.GetFiles(temp, $"{name}-*.out").Order().Select(f => $"--- {f}:\n{File.ReadAllText(f)}"));
        Assert.That(submit.ExitCode, Is.EqualTo(0), $"{submit}\n{outputs}\n{cluster.Logs()}");
        return results;
    }
}
