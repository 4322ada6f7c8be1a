using System.Text.RegularExpressions;
using Widescan.Contracts;
using Widescan.Host;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;
using YamlDotNet.Serialization;

namespace Widescan.Tests.Shards;

/// <summary>
/// deploy/kubernetes/widescan-indexed-job.yaml, parsed: an Indexed Job on the host's network with
/// NET_RAW and NET_ADMIN whose shard count agrees with its completions; and its container command
/// line, run as Kubernetes would (its $(VAR) references expanded from the container's environment
/// and JOB_COMPLETION_INDEX, its volumes as directories) for every index inside a namespace lab, one
/// index killed and started again (a pod restart) resuming from its state: the merge is complete,
/// each address once.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed partial class KubernetesJobLabTests
{
    private const string Swept = "2001:db8:100::/114";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static string Manifest => Path.Combine(RepositoryRoot.Path, "deploy", "kubernetes", "widescan-indexed-job.yaml");

    [Test]
    public void The_manifest_is_an_indexed_job_on_the_host_network_with_the_two_capabilities_and_one_shard_count()
    {
        var job = Job();
        var pod = Map(Map(Map(job, "spec"), "template"), "spec");
        var container = Container(job);
        var capabilities = Map(Map(container, "securityContext"), "capabilities");
        Assert.Multiple(() =>
        {
            Assert.That(job["apiVersion"], Is.EqualTo("batch/v1"));
            Assert.That(job["kind"], Is.EqualTo("Job"));
            Assert.That(Map(job, "spec")["completionMode"], Is.EqualTo("Indexed"));
            Assert.That(pod["hostNetwork"], Is.EqualTo("true"));
            Assert.That(List(capabilities, "add"), Is.EquivalentTo(new[] { "NET_RAW", "NET_ADMIN" }));
            Assert.That(Environment(container)["WIDESCAN_SHARD_COUNT"], Is.EqualTo(Map(job, "spec")["completions"]), "the shard count is the Job's completions");
            Assert.That(Environment(container), Does.ContainKey("WIDESCAN_RATE"), "a per-shard rate");
            Assert.That(string.Join(' ', List(container, "args")), Does.Contain("--shard auto --seed $(WIDESCAN_SEED)").And.Contain("--rate $(WIDESCAN_RATE)")
                .And.Contain("/results/shard-$(JOB_COMPLETION_INDEX).jsonl").And.Contain("--state /results/state-$(JOB_COMPLETION_INDEX).json"));
            Assert.That(List(container, "volumeMounts").Cast<Dictionary<object, object>>().Select(m => m["mountPath"]), Does.Contain("/results"), "results to a volume");
        });
    }

    [Test]
    public void Its_command_line_for_every_index_scans_the_shards_and_a_restarted_index_resumes_from_its_state()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Dense(Swept);
        var temp = Directory.CreateTempSubdirectory("widescan-indexed-job-").FullName;
        try
        {
            var job = Job();
            var container = Container(job);
            var count = int.Parse((string)Map(job, "spec")["completions"], System.Globalization.CultureInfo.InvariantCulture);
            var mounts = new Dictionary<string, string> { ["/results"] = Path.Combine(temp, "results"), ["/etc/widescan"] = Path.Combine(temp, "config") };
            foreach (var directory in mounts.Values)
                Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(mounts["/etc/widescan"], "prefixes.txt"), $"# the lab's answering prefix\n{Swept}\n");

            var runs = new List<ProcessRunner.Result>();
            for (var index = 0; index < count; index++)
            {
                if (index == 1)
                {
                    // Killed once its first state is saved (a node lost); slow, so that is mid-scan.
                    var killed = Pod(lab, container, mounts, index, new() { ["WIDESCAN_RATE"] = "1000", ["WIDESCAN_TEST_CRASH_AT"] = "state-renamed:1" }, ["--stats-interval", "0.5"]);
                    Assert.That(killed.ExitCode, Is.EqualTo(137), $"the kill hook was not reached: {killed}");
                    var saved = ScanState.Load(Path.Combine(mounts["/results"], "state-1.json"));
                    Assert.That(saved.Cursor, Is.GreaterThan(0UL).And.LessThan(saved.Positions), "killed mid-scan, with a cursor saved");
                }

                runs.Add(Pod(lab, container, mounts, index, [], []));
            }

            var files = Enumerable.Range(0, count).Select(i => Path.Combine(mounts["/results"], $"shard-{i}.jsonl")).ToList();
            var merged = Path.Combine(temp, "merged.jsonl");
            var merge = ShardFiles.Merge(merged, files, Enumerable.Range(0, count).Select(i => Path.Combine(mounts["/results"], $"state-{i}.json")));
            var alive = ShardFiles.Records(merged).OfType("alive").Select(r => r.GetProperty("address").GetString()).ToList();
            var resumed = ShardFiles.Records(files[1]).OfType("run");
            Assert.Multiple(() =>
            {
                Assert.That(runs.Select(r => r.ExitCode), Has.All.EqualTo(0), string.Join("\n", runs));
                Assert.That(resumed, Has.Count.EqualTo(2), "index 1: the killed run and its restart, in one file");
                Assert.That(resumed[^1].GetProperty("startCursor").GetUInt64(), Is.GreaterThan(0UL), "the restart resumed from the saved cursor");
                Assert.That(merge.ExitCode, Is.EqualTo(ExitCodes.Ok), merge.ToString);
                Assert.That(alive, Has.Count.EqualTo(16_384).And.Unique, "every address of the /114, each once");
            });
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    // One pod of the Job: the container's command and args with $(VAR) expanded from its environment
    // (JOB_COMPLETION_INDEX added, as the Job controller does), the image's widescan replaced by the
    // packaged one, mount paths by directories; in the lab, where scanning a documentation prefix
    // needs --allow-reserved.
    private static ProcessRunner.Result Pod(NetnsLab lab, Dictionary<object, object> container, Dictionary<string, string> mounts, int index,
        Dictionary<string, string> overrides, string[] extra)
    {
        var environment = Environment(container);
        foreach (var (name, value) in overrides)
            environment[name] = value;
        environment["JOB_COMPLETION_INDEX"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var line = List(container, "command").Concat(List(container, "args")).Cast<string>()
            .Select(word => Reference().Replace(word, m => environment.TryGetValue(m.Groups[1].Value, out var value) ? value : throw new AssertionException($"$({m.Groups[1].Value}) is not in the container's environment")))
            .Select(word => mounts.Aggregate(word, (w, mount) => w.StartsWith(mount.Key + "/", StringComparison.Ordinal) ? mount.Value + w[mount.Key.Length..] : w))
            .ToList();
        Assert.That(line[0], Is.EqualTo("/opt/widescan/widescan"), "the image's widescan (deploy/Containerfile)");
        string[] arguments = ["netns", "exec", lab.Scanner, .. ShardFiles.Widescan, .. line.Skip(1), "--allow-reserved", "--generator", "cpu", "--cooldown", "1", .. extra];
        return ProcessRunner.Run("ip", arguments, RepoArtifacts.Root, Limit, environment);
    }

    private static Dictionary<object, object> Job() =>
        new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(Manifest));

    private static Dictionary<object, object> Container(Dictionary<object, object> job) =>
        (Dictionary<object, object>)List(Map(Map(Map(job, "spec"), "template"), "spec"), "containers").Single();

    private static Dictionary<string, string> Environment(Dictionary<object, object> container) =>
        List(container, "env").Cast<Dictionary<object, object>>().ToDictionary(e => (string)e["name"], e => (string)e["value"]);

    private static Dictionary<object, object> Map(Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out var value) && value is Dictionary<object, object> inner ? inner : throw new AssertionException($"the manifest has no mapping '{key}'");

    private static List<object> List(Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out var value) && value is List<object> list ? list : throw new AssertionException($"the manifest has no list '{key}'");

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
