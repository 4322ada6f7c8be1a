using System.CommandLine;
using Widescan.Contracts;
using Widescan.Host.Input;
using Widescan.Host.Output;

namespace Widescan.Host.Commands;

/// <summary>
/// <c>widescan prefixes</c>: the distinct /N prefixes of the chosen results of earlier runs, as a prefix
/// list for <c>--prefix-file</c> (one <c>PREFIX</c> or <c>PREFIX window=/M</c> a line, sorted), so that
/// a periphery sweep can feed a rendezvous or low-byte sweep of only the prefixes that showed life.
/// Exit codes: 0 written, 2 bad flags or bad input (every problem listed; nothing written), 1 the
/// output could not be written (an existing --output is left as it was).
/// </summary>
internal sealed class PrefixesCommand : Command, ICollectsErrors
{
    private const string Prefix = "widescan prefixes";
    private static readonly string[] KnownTypes = ["alive", "peer", "unreachable", "aliased"];

    private PrefixesCommand()
        : base("prefixes", "Write the distinct /N prefixes of the chosen records of result files as a prefix list for --prefix-file")
    {
        Options.Add(From);
        Options.Add(Types);
        Options.Add(Length);
        Options.Add(Window);
        Options.Add(Output);
        SetAction(Run);
    }

    public Option<string[]> From { get; } = new("--from")
    {
        Description = "A JSONL result file of widescan scan or listen (repeatable)",
        HelpName = "RESULTS.jsonl",
    };

    public Option<string[]> Types { get; } = new("--type")
    {
        Description = "The records to take: alive, peer, unreachable (the probed target), aliased (repeatable, or comma-separated)",
        HelpName = "TYPE",
    };

    public Option<int?> Length { get; } = new("--length") { Description = "The prefix length N to write (1-128), e.g. 64", HelpName = "N" };

    public Option<int?> Window { get; } = new("--window") { Description = "Write each prefix with window=/M (M from N to 128): one probe per /M", HelpName = "M" };

    public Option<FileInfo?> Output { get; } = new("--output") { Description = "Write the list here (replaced whole) instead of stdout" };

    /// <summary>The command, for <see cref="WidescanCli.Create"/>.</summary>
    public static PrefixesCommand Create() => new();

    /// <inheritdoc />
    public void CollectErrors(ParseResult parseResult, List<string> errors) => Build(parseResult, errors);

    /// <summary>The files, types, length and window of a command line, or null with every problem in <paramref name="errors"/>.</summary>
    public (string[] Files, HashSet<string> Types, int Length, int? Window)? Build(ParseResult parseResult, List<string> errors)
    {
        var files = parseResult.GetValue(From) ?? [];
        if (files.Length == 0)
            errors.Add("no results: give at least one --from RESULTS.jsonl");

        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in (parseResult.GetValue(Types) ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (KnownTypes.Contains(type, StringComparer.Ordinal))
                types.Add(type);
            else
                errors.Add($"--type '{type}' is not a result type: alive, peer, unreachable or aliased");
        }

        if (parseResult.GetValue(Types) is not { Length: > 0 })
            errors.Add("no --type: give the records to take (alive, peer, unreachable, aliased)");

        var length = parseResult.GetValue(Length);
        if (length is null)
            errors.Add("no --length: give the prefix length to write, e.g. --length 64");
        else if (length is < 1 or > 128)
            errors.Add($"--length {length} is out of range (1-128)");

        var window = parseResult.GetValue(Window);
        if (window is < 1 or > 128)
            errors.Add($"--window {window} is out of range (1-128)");
        else if (window is { } m && length is { } n and >= 1 and <= 128 && m < n)
            errors.Add($"--window {m} is shorter than --length {n}: a window is a subnet of the prefix (/{n} to /128)");

        return errors.Count > 0 ? null : (files, types, length!.Value, window);
    }

    private int Run(ParseResult parseResult)
    {
        var stderr = parseResult.InvocationConfiguration.Error;
        var errors = new List<string>();
        var request = Build(parseResult, errors);
        var output = parseResult.GetValue(Output);
        string? target = null;
        if (output is not null)
        {
            target = WholeFileOutput.Target(output, Prefix, out var refused);
            if (refused is not null)
                errors.Add(refused);
        }

        // The files are read even when a flag is wrong, so that every problem is listed at once.
        var reader = new ResultPrefixReader(request?.Types ?? [.. KnownTypes], request?.Length ?? 128);
        foreach (var file in Once(parseResult.GetValue(From) ?? []))
            reader.Read(file, file);
        ErrorReport.Write(stderr, $"{Prefix}: warning", reader.Warnings);
        errors.AddRange(reader.Errors);
        if (errors.Count > 0 || request is not var (files, types, length, window))
        {
            ErrorReport.Write(stderr, Prefix, errors);
            if (output is not null)
                stderr.WriteLine($"{Prefix}: nothing written; {output.FullName} was left as it was");
            return ExitCodes.Usage;
        }

        var prefixes = reader.Prefixes();
        var entries = prefixes.Select(p => new PrefixListEntry(p, window is { } m && m >= p.Length ? m : null));
        try
        {
            if (target is null)
                PrefixList.Write(parseResult.InvocationConfiguration.Output, entries);
            else
                WholeFileOutput.Replace(target, writer => PrefixList.Write(writer, entries));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ErrorReport.Write(stderr, Prefix, [$"--output: {e.Message}" + (target is null ? "" : $"; {target} was left as it was")]);
            return ExitCodes.Failure;
        }

        var typeList = string.Join(",", KnownTypes.Where(types.Contains));
        stderr.WriteLine($"{Prefix}: {prefixes.Count} prefixes (/{length}) from {reader.Records} {typeList} records in {files.Length} file(s)");
        if (prefixes.Count == 0)
            stderr.WriteLine($"{Prefix}: warning: no {typeList} records: the list is empty");
        return ExitCodes.Ok;
    }

    // The same file given twice is read once: its records would only repeat.
    private static IEnumerable<string> Once(string[] files) =>
        files.DistinctBy(f => Path.GetFullPath(f), StringComparer.Ordinal);
}
