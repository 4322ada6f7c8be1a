using Widescan.Tests.Discovery;
using Widescan.Tests.Hosting;

namespace Widescan.Tests.Shards;

/// <summary>
/// <c>--shard auto</c>, <c>--shard-count</c> and the seed that shards need, on the command line: the
/// engine's environment gives the same shard as I/N would, and every mistake is named by its flag.
/// </summary>
[TestFixture]
public sealed class ShardFlagsTests
{
    [Test]
    public void Auto_in_a_slurm_array_or_an_indexed_job_takes_the_same_addresses_as_the_explicit_shard()
    {
        var temp = Directory.CreateTempSubdirectory("widescan-shard-auto-").FullName;
        try
        {
            string Generate(string name, string[] shard, Dictionary<string, string>? environment = null)
            {
                var output = Path.Combine(temp, name);
                var run = ProcessRunner.Run("dotnet", [Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll"), "--plugins", RepoArtifacts.PluginsDirectory,
                    "generate", "--prefix", "2001:db8::/116", "--allow-reserved", "--seed", "0x5eed", .. shard, "--output", output], RepoArtifacts.Root, TimeSpan.FromMinutes(1), environment);
                Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString);
                return File.ReadAllText(output);
            }

            var explicitShard = Generate("explicit.txt", ["--shard", "2/4"]);
            var slurm = Generate("slurm.txt", ["--shard", "auto"], new()
            {
                ["SLURM_ARRAY_TASK_ID"] = "12", ["SLURM_ARRAY_TASK_MIN"] = "10", ["SLURM_ARRAY_TASK_MAX"] = "13",
                ["SLURM_ARRAY_TASK_COUNT"] = "4", ["SLURM_ARRAY_TASK_STEP"] = "1",
            });
            var kubernetes = Generate("kubernetes.txt", ["--shard", "auto"], new() { ["JOB_COMPLETION_INDEX"] = "2", ["WIDESCAN_SHARD_COUNT"] = "4" });
            var counted = Generate("counted.txt", ["--shard", "auto", "--shard-count", "4"], new() { ["JOB_COMPLETION_INDEX"] = "2" });
            Assert.Multiple(() =>
            {
                Assert.That(explicitShard.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1024));
                Assert.That(slurm, Is.EqualTo(explicitShard), "Slurm task 12 of 10-13 is shard 2/4");
                Assert.That(kubernetes, Is.EqualTo(explicitShard), "index 2 of WIDESCAN_SHARD_COUNT 4");
                Assert.That(counted, Is.EqualTo(explicitShard), "index 2 of --shard-count 4");
            });
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Test]
    public void Shards_without_a_seed_are_refused()
    {
        var (many, manyErrors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--shard", "1/4");
        var (one, oneErrors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--shard", "0/1");
        var (auto, autoErrors) = CliParse.Generate("--prefix", "2001:db8::/120", "--allow-reserved", "--shard", "auto");
        Assert.Multiple(() =>
        {
            Assert.That(many, Is.Null);
            Assert.That(manyErrors, Has.One.StartsWith("--shard 1/4 needs --seed: every shard of one scan must have the same seed"));
            Assert.That(one, Is.Not.Null, string.Join("\n", oneErrors));
            Assert.That(auto, Is.Null);
            Assert.That(autoErrors, Has.Some.StartsWith("--shard auto needs --seed"));
        });
    }

    [Test]
    public void Auto_outside_an_engine_and_a_count_without_auto_are_named_by_their_flags()
    {
        var (_, autoErrors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--seed", "1", "--shard", "auto", "--shard-count", "0");
        var (_, countErrors) = CliParse.Scan("--prefix", "2001:db8::/120", "--allow-reserved", "--seed", "1", "--shard", "1/4", "--shard-count", "4");
        Assert.Multiple(() =>
        {
            Assert.That(autoErrors, Has.Some.StartsWith("--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array of indexes 0 to N-1) nor JOB_COMPLETION_INDEX"));
            Assert.That(autoErrors, Has.Some.EqualTo("--shard-count 0 must be at least 1"));
            Assert.That(countErrors, Has.One.StartsWith("--shard-count goes with --shard auto only"));
        });
    }
}
