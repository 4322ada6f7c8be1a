using System.CommandLine;
using Widescan.Contracts;
using Widescan.Host.Merge;
using Widescan.Host.Output;

namespace Widescan.Host.Commands;

/// <summary>
/// <c>widescan merge FILE... --output FILE</c>: the result files of a scan's shards (JSONL or CSV, each
/// with its plan fingerprint and shard) made one result file, each result once. Refuses files of
/// different plans, naming them; names the shards that are missing or incomplete (by their closing
/// records, or their <c>--state</c> files). Exit codes: 0 every shard complete; 4
/// (<see cref="ExitCodes.ShardsIncomplete"/>) merged, but shards are missing or incomplete; 2 bad flags,
/// unreadable input or mixed plans (nothing written); 1 the output could not be written.
/// </summary>
internal sealed class MergeCommand : Command, ICollectsErrors
{
    private const string Prefix = "widescan merge";

    private MergeCommand()
        : base("merge", "Merge the result files of a scan's shards into one, each result once; refuses mixed plans and names missing or incomplete shards")
    {
        Arguments.Add(Files);
        Options.Add(Output);
        Options.Add(Format);
        Options.Add(States);
        SetAction(Run);
    }

    public Argument<FileInfo[]> Files { get; } = new("FILE")
    {
        Description = "The shards' result files (widescan scan --output, JSONL or CSV)",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<FileInfo?> Output { get; } = new("--output") { Description = "Write the merged results here (replaced whole)", HelpName = "FILE" };

    public Option<ResultFormat> Format { get; } = new("--format")
    {
        Description = "jsonl (the default) | csv",
        HelpName = "FORMAT",
        DefaultValueFactory = _ => ResultFormat.Jsonl,
    };

    public Option<FileInfo[]> States { get; } = new("--state")
    {
        Description = "A shard's state file (repeatable): its cursor tells a shard complete or how far it got when its results have no closing record",
        HelpName = "FILE",
    };

    /// <summary>The command, for <see cref="WidescanCli.Create"/>.</summary>
    public static MergeCommand Create() => new();

    /// <inheritdoc />
    public void CollectErrors(ParseResult parseResult, List<string> errors) => Check(parseResult, errors);

    private string? Check(ParseResult parseResult, List<string> errors)
    {
        var files = parseResult.GetValue(Files) ?? [];
        var output = parseResult.GetValue(Output);
        string? target = null;
        if (output is null)
        {
            errors.Add("no --output: give the file to write the merged results to");
        }
        else
        {
            target = WholeFileOutput.Target(output, Prefix, out var refused);
            if (refused is not null)
                errors.Add(refused);
        }

        var states = parseResult.GetValue(States) ?? [];
        foreach (var (flag, file) in files.Select(f => ("", f)).Concat(states.Select(f => ("--state ", f))))
        {
            // Read only regular files: a FIFO without a writer would hang merge in open(2), a device
            // (/dev/zero, /dev/urandom) never ends, and a directory is no file of results.
            if (FileIdentity.Of(file.FullName) is { IsRegular: false } identity)
                errors.Add($"{flag}{file.FullName} is {identity.Kind}, not a regular file: merge reads shard files and state files as they lie on disk (copy a stream to a file first)");
            else if (!file.Exists)
                errors.Add($"{flag}{file.FullName}: no such file");
        }

        // By device and inode: --output reached through a link to an input would replace that shard's file.
        DistinctFiles.Check(errors,
        [
            new("--output", output, Writes: true),
            .. states.Select(f => new DistinctFiles.Role("--state", f, Writes: false)),
            .. files.Select(f => new DistinctFiles.Role("FILE", f, Writes: false)),
        ]);
        return target;
    }

    private int Run(ParseResult parseResult)
    {
        var stderr = parseResult.InvocationConfiguration.Error;
        var errors = new List<string>();
        var warnings = new List<string>();
        var target = Check(parseResult, errors);
        // Each file once, however it is named (a second name, a link): read twice it would be a shard held by two files.
        var inputs = new List<string>();
        var seen = new Dictionary<(ulong, ulong), string>();
        foreach (var file in (parseResult.GetValue(Files) ?? []).Where(f => FileIdentity.Of(f.FullName) is { IsRegular: true }))
        {
            var identity = FileIdentity.Of(file.FullName)!.Value;
            if (seen.TryGetValue((identity.Device, identity.Inode), out var first))
                warnings.Add($"{file.FullName} is {first} again: read once");
            else
                inputs.Add(seen[(identity.Device, identity.Inode)] = file.FullName);
        }

        var merged = new MergedRecords();
        var shards = inputs.Select(f => ShardResults.Read(f, merged, errors, warnings)).ToList();
        var states = new List<(string Path, ScanState State)>();
        foreach (var file in (parseResult.GetValue(States) ?? []).Where(f => FileIdentity.Of(f.FullName) is { IsRegular: true }))
        {
            try
            {
                states.Add((file.FullName, ScanState.Load(file.FullName)));
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                errors.Add($"--state {e.Message}");
            }
        }

        var coverage = ShardCoverage.Of(shards, states);
        warnings.AddRange(coverage.Warnings);
        ErrorReport.Write(stderr, $"{Prefix}: warning", warnings);
        errors.AddRange(coverage.Refusals);
        if (errors.Count > 0 || target is null)
        {
            ErrorReport.Write(stderr, Prefix, errors);
            stderr.WriteLine($"{Prefix}: nothing written");
            return ExitCodes.Usage;
        }

        merged.Finish();
        try
        {
            WholeFileOutput.Replace(target, writer => merged.Write(writer, parseResult.GetValue(Format), coverage, inputs, DateTimeOffset.UtcNow));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ErrorReport.Write(stderr, Prefix, [$"--output: {e.Message}; {target} was left as it was"]);
            return ExitCodes.Failure;
        }

        stderr.WriteLine($"{Prefix}: {merged.Records.Count} results from {shards.Count} file(s) of plan {coverage.Fingerprint}, {coverage.Count} shard(s); {merged.Duplicates} duplicates dropped; written to {target}");
        var skipped = shards.Sum(s => s.Skipped);
        if (skipped > 0)
            stderr.WriteLine($"{Prefix}: {skipped} records of types merge does not know were skipped");
        ErrorReport.Write(stderr, $"{Prefix}: missing", coverage.Missing.Select(s => s.Contains('-', StringComparison.Ordinal)
            ? $"shards {s}: no file holds them (run them, then merge again)"
            : $"shard {s}: no file holds it (run it, then merge again)"));
        ErrorReport.Write(stderr, $"{Prefix}: incomplete", coverage.Incomplete);
        if (coverage.IsComplete)
            return ExitCodes.Ok;
        stderr.WriteLine($"{Prefix}: the set is incomplete ({coverage.MissingCount} missing, {coverage.Incomplete.Count} incomplete of {coverage.Count} shards): the merged file lacks their results");
        return ExitCodes.ShardsIncomplete;
    }
}
