using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

/// <summary>"--shard auto": the shard from a Slurm job array or a Kubernetes Indexed Job, and every way the environment can be wrong.</summary>
[TestFixture]
public sealed class ShardEnvironmentTests
{
    private static ShardResolution Resolve(int? count, params (string Name, string Value)[] variables)
    {
        var environment = variables.ToDictionary(v => v.Name, v => v.Value);
        return ShardEnvironment.Resolve(name => environment.GetValueOrDefault(name), count);
    }

    [Test]
    public void A_slurm_array_gives_the_index_from_its_minimum_and_its_count()
    {
        var found = Resolve(null, ("SLURM_ARRAY_TASK_ID", "7"), ("SLURM_ARRAY_TASK_MIN", "5"), ("SLURM_ARRAY_TASK_MAX", "8"),
            ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_STEP", "1"), ("SLURM_ARRAY_JOB_ID", "42"));
        Assert.Multiple(() =>
        {
            Assert.That(found.Errors, Is.Empty);
            Assert.That(found.Shard, Is.EqualTo(new ShardSpec(2, 4)));
            Assert.That(found.Source, Does.Contain("Slurm job array 42, task 7"));
        });
    }

    [Test]
    public void An_indexed_job_gives_the_index_and_the_count_from_the_option_or_its_variable()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Resolve(null, ("JOB_COMPLETION_INDEX", "3"), ("WIDESCAN_SHARD_COUNT", "8")).Shard, Is.EqualTo(new ShardSpec(3, 8)));
            Assert.That(Resolve(8, ("JOB_COMPLETION_INDEX", "3")).Shard, Is.EqualTo(new ShardSpec(3, 8)));
            Assert.That(Resolve(8, ("JOB_COMPLETION_INDEX", "3"), ("WIDESCAN_SHARD_COUNT", "8")).Shard, Is.EqualTo(new ShardSpec(3, 8)));
        });
    }

    [TestCase(null, new[] { "HOME=/root" }, "neither SLURM_ARRAY_TASK_ID (a Slurm job array of indexes 0 to N-1) nor JOB_COMPLETION_INDEX")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=4", "JOB_COMPLETION_INDEX=1" }, "both SLURM_ARRAY_TASK_ID (1) and JOB_COMPLETION_INDEX (1) are set")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_STEP=2" }, "SLURM_ARRAY_TASK_STEP is 2: a shard array needs consecutive indexes")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=2" }, "SLURM_ARRAY_TASK_MIN is not set, though SLURM_ARRAY_TASK_ID is")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=x2", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=4" }, "SLURM_ARRAY_TASK_ID is 'x2', not a whole number")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=5", "SLURM_ARRAY_TASK_MIN=1", "SLURM_ARRAY_TASK_COUNT=3" }, "SLURM_ARRAY_TASK_ID 5 - SLURM_ARRAY_TASK_MIN 1 = 4 is not an index below SLURM_ARRAY_TASK_COUNT 3")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_MIN=1", "SLURM_ARRAY_TASK_MAX=5", "SLURM_ARRAY_TASK_COUNT=3" }, "the array's indexes 1-5 are not 3 consecutive ones")]
    [TestCase(8, new[] { "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=4" }, "ShardCount 8 disagrees with the Slurm array's SLURM_ARRAY_TASK_COUNT 4")]
    [TestCase(null, new[] { "JOB_COMPLETION_INDEX=1" }, "does not tell its pods how many there are: give ShardCount, or set WIDESCAN_SHARD_COUNT")]
    [TestCase(4, new[] { "JOB_COMPLETION_INDEX=1", "WIDESCAN_SHARD_COUNT=8" }, "ShardCount 4 disagrees with WIDESCAN_SHARD_COUNT 8")]
    [TestCase(4, new[] { "JOB_COMPLETION_INDEX=4" }, "JOB_COMPLETION_INDEX 4 is not below the shard count 4")]
    [TestCase(0, new[] { "JOB_COMPLETION_INDEX=0" }, "ShardCount 0 must be at least 1")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=-1", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=4" }, "SLURM_ARRAY_TASK_ID is '-1', not a whole number from 0 to 2147483647")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=99999999999999999999999" }, "SLURM_ARRAY_TASK_COUNT is '99999999999999999999999', not a whole number")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=2147483648", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=4" }, "SLURM_ARRAY_TASK_ID is '2147483648', not a whole number")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_MIN=2", "SLURM_ARRAY_TASK_COUNT=4" }, "SLURM_ARRAY_TASK_ID 1 - SLURM_ARRAY_TASK_MIN 2 = -1 is not an index below")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=0", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=0" }, "SLURM_ARRAY_TASK_COUNT is 0; it must be at least 1")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=1 2", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=4" }, "SLURM_ARRAY_TASK_ID is '1 2', not a whole number")]
    [TestCase(null, new[] { "SLURM_ARRAY_TASK_ID=", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=4" }, "SLURM_ARRAY_TASK_ID is '', not a whole number")]
    [TestCase(null, new[] { "JOB_COMPLETION_INDEX=\u0663", "WIDESCAN_SHARD_COUNT=4" }, "JOB_COMPLETION_INDEX is '\u0663', not a whole number")]
    [TestCase(null, new[] { "JOB_COMPLETION_INDEX=1", "WIDESCAN_SHARD_COUNT=+4" }, "WIDESCAN_SHARD_COUNT is '+4', not a whole number")]
    [TestCase(null, new[] { "JOB_COMPLETION_INDEX=7", "WIDESCAN_SHARD_COUNT=4" }, "JOB_COMPLETION_INDEX 7 is not below the shard count 4")]
    [TestCase(null, new[] { "JOB_COMPLETION_INDEX=0", "WIDESCAN_SHARD_COUNT=0" }, "the shard count 0 must be at least 1")]
    [TestCase(-3, new[] { "JOB_COMPLETION_INDEX=0" }, "ShardCount -3 must be at least 1")]
    public void A_wrong_environment_is_refused_saying_what_is_wrong(int? count, string[] variables, string expected)
    {
        var found = Resolve(count, [.. variables.Select(v => (v[..v.IndexOf('=')], v[(v.IndexOf('=') + 1)..]))]);
        Assert.Multiple(() =>
        {
            Assert.That(found.Shard, Is.Null);
            Assert.That(found.Errors, Has.Some.Contains(expected), string.Join("\n", found.Errors));
        });
    }

    [Test]
    public void Whitespace_around_an_engine_value_is_ignored()
    {
        // A manifest's `value: " 3"` or a trailing newline from a wrapper script: the number is still plain.
        var found = Resolve(null, [("JOB_COMPLETION_INDEX", " 3\n"), ("WIDESCAN_SHARD_COUNT", "\t4 ")]);

        Assert.That(found.Shard, Is.EqualTo(new ShardSpec(3, 4)), string.Join("\n", found.Errors));
    }
}
