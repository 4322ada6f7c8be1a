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
internal static class GenerateCommand
{
    // 4 MiB of addresses: large enough that the generator's threads (or a GPU transfer) amortise
    // their start, measured faster than 16k on the 2-core machine (docs/benchmarks.md).
    private const int BatchSize = 1 << 18;

    public static Command Create()
    {
        var targets = new TargetOptions();
        var count = new Option<ulong?>("--count") { Description = "Stop after this many targets", HelpName = "N" };
        var format = new Option<AddressFormat>("--format")
        {
            Description = "text: one address per line; binary: 16 bytes per address in network order",
            DefaultValueFactory = _ => AddressFormat.Text,
        };
        var output = new Option<FileInfo?>("--output") { Description = "Write here instead of stdout", HelpName = "FILE" };
        var command = new Command("generate", "Write the targets of a scan (prefixes minus exclusions and the blocklist) in their keyed pseudo-random order");
        targets.AddTo(command);
        command.Options.Add(count);
        command.Options.Add(format);
        command.Options.Add(output);
        command.SetAction(parseResult => Run(parseResult, targets, parseResult.GetValue(count), parseResult.GetValue(format), parseResult.GetValue(output)));
        return command;
    }

    private static int Run(ParseResult parseResult, TargetOptions targets, ulong? count, AddressFormat format, FileInfo? output)
    {
        var stderr = parseResult.InvocationConfiguration.Error;
        var errors = new List<string>();
        var spec = targets.Build(parseResult, errors);
        if (spec is null)
        {
            foreach (var error in errors)
                stderr.WriteLine($"widescan generate: {error}");
            return ExitCodes.Usage;
        }

        using var catalog = CommandPlugins.Load(parseResult);
        var generator = GeneratorChoice.Resolve(catalog, parseResult.GetValue(targets.Generator)!, parseResult.GetValue(targets.GpuDevice), stderr);
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
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            stderr.WriteLine($"widescan generate: {e.Message}");
            return ExitCodes.Failure;
        }

        using (stream)
        {
            using var destination = output is null ? Console.OpenStandardOutput() : output.Create();
            using var writer = new AddressWriter(destination, format, BatchSize);
            var batch = new UInt128[BatchSize];
            var limit = count ?? ulong.MaxValue;
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
