using System.Globalization;

namespace Widescan.Contracts;

/// <summary>
/// The shard of this process from the batch engine that started it ("shard auto"): a Slurm job array
/// (index = <c>SLURM_ARRAY_TASK_ID</c> - <c>SLURM_ARRAY_TASK_MIN</c>, count = <c>SLURM_ARRAY_TASK_COUNT</c>,
/// step 1 only) or a Kubernetes Indexed Job (index = <c>JOB_COMPLETION_INDEX</c>, count from the
/// option ShardCount or <see cref="ShardCountVariable"/>, which the manifest sets).
/// </summary>
/// <remarks>
/// Messages name the option ShardCount and the variables; a host with flags puts its own in their place.
/// Every problem is listed, so one failed start names all of them.
/// </remarks>
public static class ShardEnvironment
{
    /// <summary>Slurm's index of this task in its job array.</summary>
    public const string SlurmTaskId = "SLURM_ARRAY_TASK_ID";

    /// <summary>Slurm's lowest index of the array.</summary>
    public const string SlurmTaskMin = "SLURM_ARRAY_TASK_MIN";

    /// <summary>Slurm's highest index of the array.</summary>
    public const string SlurmTaskMax = "SLURM_ARRAY_TASK_MAX";

    /// <summary>Slurm's number of tasks in the array.</summary>
    public const string SlurmTaskCount = "SLURM_ARRAY_TASK_COUNT";

    /// <summary>Slurm's step between two indexes of the array (1 unless <c>--array=0-15:2</c>).</summary>
    public const string SlurmTaskStep = "SLURM_ARRAY_TASK_STEP";

    /// <summary>Kubernetes' index of this pod in an Indexed Job (<c>completionMode: Indexed</c>).</summary>
    public const string KubernetesIndex = "JOB_COMPLETION_INDEX";

    /// <summary>The shard count for a Kubernetes Indexed Job, which does not tell its pods its completions.</summary>
    public const string ShardCountVariable = "WIDESCAN_SHARD_COUNT";

    /// <summary>The shard of this process, from the environment.</summary>
    /// <param name="variable">Reads one environment variable (null when unset): <see cref="Environment.GetEnvironmentVariable(string)"/>, or a test's.</param>
    /// <param name="shardCount">The option ShardCount, when given: the count the engine's must agree with (Slurm), or the count itself (Kubernetes).</param>
    /// <returns>The shard and where it came from, or every problem found.</returns>
    public static ShardResolution Resolve(Func<string, string?> variable, int? shardCount)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var errors = new List<string>();
        if (shardCount is < 1)
            errors.Add($"ShardCount {shardCount} must be at least 1");
        var slurm = variable(SlurmTaskId);
        var kubernetes = variable(KubernetesIndex);
        if (slurm is not null && kubernetes is not null)
        {
            errors.Add($"shard auto: both {SlurmTaskId} ({slurm}) and {KubernetesIndex} ({kubernetes}) are set, so the engine is ambiguous: unset the one that does not belong to this job, or give the shard as I/N");
            return new ShardResolution(null, null, errors);
        }

        if (slurm is not null)
            return FromSlurm(variable, slurm, shardCount, errors);
        if (kubernetes is not null)
            return FromKubernetes(variable, kubernetes, shardCount, errors);
        errors.Add($"shard auto: neither {SlurmTaskId} (a Slurm job array of indexes 0 to N-1) nor {KubernetesIndex} (a Kubernetes Indexed Job: completionMode: Indexed) is set: run inside one, or give the shard as I/N");
        return new ShardResolution(null, null, errors);
    }

    private static ShardResolution FromSlurm(Func<string, string?> variable, string idText, int? shardCount, List<string> errors)
    {
        var id = Number(variable, SlurmTaskId, errors, required: true);
        var min = Number(variable, SlurmTaskMin, errors, required: true);
        var count = Number(variable, SlurmTaskCount, errors, required: true);
        var max = Number(variable, SlurmTaskMax, errors, required: false);
        var step = Number(variable, SlurmTaskStep, errors, required: false);
        if (step is { } s && s != 1)
            errors.Add($"shard auto: {SlurmTaskStep} is {s}: a shard array needs consecutive indexes (0 to N-1, step 1), or shards would be missing");
        if (id is null || min is null || count is null)
            return new ShardResolution(null, null, errors);
        if (count < 1)
            errors.Add($"shard auto: {SlurmTaskCount} is {count}; it must be at least 1");
        if (max is { } m && step is null or 1 && m - min + 1 != count)
            errors.Add($"shard auto: the array's indexes {min}-{m} are not {count} consecutive ones ({SlurmTaskCount}): give the array as one range of indexes, 0 to N-1");
        var index = id.Value - min.Value;
        if (index < 0 || index >= count)
            errors.Add($"shard auto: {SlurmTaskId} {idText} - {SlurmTaskMin} {min} = {index} is not an index below {SlurmTaskCount} {count}: give the array as one range of indexes, 0 to N-1");
        if (shardCount is { } given && given != count)
            errors.Add($"shard auto: ShardCount {given} disagrees with the Slurm array's {SlurmTaskCount} {count}: give ShardCount {count}, or leave it out");
        if (errors.Count > 0)
            return new ShardResolution(null, null, errors);
        var job = variable("SLURM_ARRAY_JOB_ID");
        return new ShardResolution(
            new ShardSpec((int)index, (int)count.Value),
            $"Slurm job array{(job is null ? "" : " " + job)}, task {idText} ({SlurmTaskId} - {SlurmTaskMin} {min}, {SlurmTaskCount} {count})",
            errors);
    }

    private static ShardResolution FromKubernetes(Func<string, string?> variable, string indexText, int? shardCount, List<string> errors)
    {
        var index = Number(variable, KubernetesIndex, errors, required: true);
        var fromVariable = Number(variable, ShardCountVariable, errors, required: false);
        if (shardCount is { } given && fromVariable is { } set && given != set)
            errors.Add($"shard auto: ShardCount {given} disagrees with {ShardCountVariable} {set}: give one of them, or the same count in both");
        var count = shardCount ?? fromVariable;
        if (count is null && variable(ShardCountVariable) is null)
            errors.Add($"shard auto: a Kubernetes Indexed Job ({KubernetesIndex} {indexText}) does not tell its pods how many there are: give ShardCount, or set {ShardCountVariable} to the Job's completions");
        if (count is < 1)
            errors.Add($"shard auto: the shard count {count} must be at least 1");
        if (index is { } i && count is { } n and >= 1 && i >= n)
            errors.Add($"shard auto: {KubernetesIndex} {i} is not below the shard count {n}: the Job's completions and the shard count must be the same");
        if (errors.Count > 0 || index is null || count is null)
            return new ShardResolution(null, null, errors);
        return new ShardResolution(
            new ShardSpec((int)index.Value, (int)count.Value),
            $"Kubernetes Indexed Job, {KubernetesIndex} {indexText} of {count}{(shardCount is null ? $" ({ShardCountVariable})" : "")}",
            errors);
    }

    // A whole number from 0 to int.MaxValue, or null with its problem listed (or unset and not required).
    private static long? Number(Func<string, string?> variable, string name, List<string> errors, bool required)
    {
        var text = variable(name);
        if (text is null)
        {
            if (required)
                errors.Add($"shard auto: {name} is not set, though {(name.StartsWith("SLURM", StringComparison.Ordinal) ? SlurmTaskId : KubernetesIndex)} is: the engine's environment is incomplete");
            return null;
        }

        if (long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= int.MaxValue)
            return n;
        errors.Add($"shard auto: {name} is '{InputText.Excerpt(text)}', not a whole number from 0 to {int.MaxValue}");
        return null;
    }
}

/// <summary>What <see cref="ShardEnvironment.Resolve"/> found.</summary>
/// <param name="Shard">The shard, or null when <paramref name="Errors"/> has problems.</param>
/// <param name="Source">Where the shard came from, for the log ("Slurm job array 12, task 3 ..."); null with the shard.</param>
/// <param name="Errors">Every problem, one sentence each; empty when the shard was found.</param>
public sealed record ShardResolution(ShardSpec? Shard, string? Source, IReadOnlyList<string> Errors);
