using System.CommandLine;
using System.Diagnostics;
using Serilog;
using Widescan.Contracts;
using Widescan.Host.Output;

namespace Widescan.Host.Commands;

/// <summary>
/// <c>widescan generate</c>: writes the targets of a spec, in their keyed order, as text or binary. Its
/// output is the exact sequence a scan with the same flags would probe.
/// </summary>
internal sealed class GenerateCommand : Command, ICollectsErrors
{
    // 4 MiB of addresses: large enough that the generator's threads (or a GPU transfer) amortise
    // their start, measured faster than 16k on the 2-core machine (docs/benchmarks.md).
    private const int BatchSize = 1 << 18;
    private const string Prefix = "widescan generate";

    private GenerateCommand()
        : base("generate", "Write the targets of a scan (prefixes minus exclusions and the blocklist) in their keyed pseudo-random order")
    {
        Targets.AddTo(this);
        Options.Add(Count);
        Options.Add(Format);
        Options.Add(Output);
        SetAction(Run);
    }

    public TargetOptions Targets { get; } = new();

    public Option<ulong?> Count { get; } = new("--count") { Description = "Stop after this many targets", HelpName = "N" };

    public Option<AddressFormat> Format { get; } = new("--format")
    {
        Description = "text: one address per line; binary: 16 bytes per address in network order",
        DefaultValueFactory = _ => AddressFormat.Text,
    };

    public Option<FileInfo?> Output { get; } = new("--output") { Description = "Write here instead of stdout", HelpName = "FILE" };

    /// <summary>The command, for <see cref="WidescanCli.Create"/>.</summary>
    public static GenerateCommand Create() => new();

    /// <inheritdoc />
    public void CollectErrors(ParseResult parseResult, List<string> errors) => Build(parseResult, errors);

    /// <summary>The spec of a command line, or null with every problem in <paramref name="errors"/>.</summary>
    public TargetSpec? Build(ParseResult parseResult, List<string> errors)
    {
        var spec = Targets.Build(parseResult, errors);
        DistinctFiles.Check(errors,
        [
            new("--output", parseResult.GetValue(Output), Writes: true),
            .. (parseResult.GetValue(Targets.PrefixFile) ?? []).Select(f => new DistinctFiles.Role("--prefix-file", f, Writes: false)),
            .. (parseResult.GetValue(Targets.ExcludeFile) ?? []).Select(f => new DistinctFiles.Role("--exclude-file", f, Writes: false)),
            .. (parseResult.GetValue(Targets.TargetsFile) ?? []).Select(f => new DistinctFiles.Role("--targets-file", f, Writes: false)),
        ]);
        return errors.Count > 0 ? null : spec;
    }

    private int Run(ParseResult parseResult)
    {
        var stderr = parseResult.InvocationConfiguration.Error;
        var errors = new List<string>();
        var spec = Build(parseResult, errors);
        if (spec is null)
        {
            ErrorReport.Write(stderr, Prefix, errors);
            return ExitCodes.Usage;
        }

        using var catalog = CommandPlugins.Load(parseResult);
        var generator = GeneratorChoice.Resolve(catalog, parseResult.GetValue(Targets.Generator)!, parseResult.GetValue(Targets.GpuDevice), stderr);
        if (generator is null)
            return ExitCodes.Failure;

        Log.Information("Generating with {Generator} ({Description}), seed {Seed}, shard {Shard}, from cursor {Cursor}",
            generator.Name, generator.Description, $"0x{spec.Seed:x16}", spec.Shard.ToString(), spec.StartCursor);
        var stopwatch = Stopwatch.StartNew();
        ulong written = 0;
        IAddressStream stream;
        try
        {
            stream = generator.Open(spec);
        }
        catch (TargetSpecException e)
        {
            // The generator read the targets files: every bad line, in this command's flags.
            ErrorReport.Write(stderr, Prefix, e.Errors.Select(TargetOptions.Flags).ToList());
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            ErrorReport.Write(stderr, Prefix, [e.Message]);
            return ExitCodes.Failure;
        }

        using (stream)
        {
            // The plugin's own log is silent here: what it removed from the targets is shown by the host.
            foreach (var warning in stream.Warnings)
                Log.Warning("Targets: {Warning}", TargetOptions.Flags(warning));
            var output = parseResult.GetValue(Output);
            using var destination = output is null ? Console.OpenStandardOutput() : output.Create();
            using var writer = new AddressWriter(destination, parseResult.GetValue(Format), BatchSize);
            var batch = new UInt128[BatchSize];
            var limit = parseResult.GetValue(Count) ?? ulong.MaxValue;
            while (written < limit)
            {
                var want = (int)Math.Min((ulong)batch.Length, limit - written);
                var n = stream.Fill(batch.AsSpan(0, want));
                if (n == 0)
                    break;
                writer.Write(batch.AsSpan(0, n));
                written += (ulong)n;
            }

            Log.Information("Wrote {Count} targets in {Seconds:F2} s ({Rate:F1} M/s); next cursor {Cursor} of {Positions}",
                written, stopwatch.Elapsed.TotalSeconds, written / Math.Max(stopwatch.Elapsed.TotalSeconds, 1e-9) / 1e6, stream.Cursor, stream.Positions);
        }

        return ExitCodes.Ok;
    }
}
