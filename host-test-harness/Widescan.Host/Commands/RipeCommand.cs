using System.CommandLine;
using Widescan.Contracts;
using Widescan.Host.Input;
using Widescan.Host.Output;
using Widescan.Ripe;

namespace Widescan.Host.Commands;

/// <summary>
/// <c>widescan ripe</c>: imports RIPE Database dumps (ripe.db.inet6num, ripe.db.route6; plain or gzip)
/// into a prefix list for <c>--prefix-file</c>, and prints a summary to stderr.
/// Exit codes: 0 imported (malformed objects are reported, not fatal), 1 an input that could not be
/// read to its end (missing, unreadable, binary, a damaged or truncated gzip stream: a file --output is
/// then left as it was), 2 bad options or an --output that is not a regular file.
/// </summary>
internal static class RipeCommand
{
    // The library speaks in option names; the command's messages name its flags.
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        [nameof(RipeFilterOptions.Countries)] = "--country",
        [nameof(RipeFilterOptions.NetnamePattern)] = "--netname",
        [nameof(RipeFilterOptions.DescrPattern)] = "--descr",
        [nameof(RipeFilterOptions.Orgs)] = "--org",
        [nameof(RipeFilterOptions.MntBy)] = "--mnt-by",
        [nameof(RipeFilterOptions.Statuses)] = "--status",
        [nameof(RipeFilterOptions.MinLength)] = "--min-length",
        [nameof(RipeFilterOptions.MaxLength)] = "--max-length",
        [nameof(RipeFilterOptions.Origins)] = "--origin",
        [nameof(RipeFilterOptions.AnnouncedOnly)] = "--announced-only",
        [RipeFilterOptions.Route6Input] = "--route6-file",
    };

    /// <summary>Builds the command with its options and action.</summary>
    internal static Command Create()
    {
        var file = new Option<FileInfo>("--file") { Description = "RIPE dump to import: ripe.db.inet6num (or ripe.db.route6), plain or .gz", Required = true };
        var route6File = new Option<FileInfo?>("--route6-file") { Description = "ripe.db.route6 (plain or .gz): the announcements for --announced-only and --origin" };
        var country = Repeatable("--country", "keep objects of this country code (repeatable, or comma-separated)");
        var netname = new Option<string?>("--netname") { Description = "keep objects whose netname matches this case-insensitive regular expression", HelpName = "REGEX" };
        var descr = new Option<string?>("--descr") { Description = "keep objects with a descr matching this case-insensitive regular expression", HelpName = "REGEX" };
        var org = Repeatable("--org", "keep objects of this organisation handle (repeatable)");
        var mntBy = Repeatable("--mnt-by", "keep objects maintained by this mntner (repeatable)");
        var status = Repeatable("--status", "keep objects of this status: ALLOCATED-BY-RIR, ALLOCATED-BY-LIR, AGGREGATED-BY-LIR, ASSIGNED, ASSIGNED PI, ... (repeatable)");
        var minLength = new Option<int?>("--min-length") { Description = "keep prefixes at least this long (0-128)" };
        var maxLength = new Option<int?>("--max-length") { Description = "keep prefixes at most this long (0-128)" };
        var origin = Repeatable("--origin", "keep route6 objects of this origin AS (AS64500 or 64500, repeatable); inet6num space must then be covered by such a route6");
        var announcedOnly = new Option<bool>("--announced-only") { Description = "keep only inet6num space covered by a route6 object (needs --route6-file)" };
        var output = new Option<FileInfo?>("--output") { Description = "write the prefix list here instead of stdout" };

        var command = new Command("ripe", "Import RIPE Database inet6num/route6 dumps into a prefix list for --prefix-file")
        {
            file, route6File, country, netname, descr, org, mntBy, status, minLength, maxLength, origin, announcedOnly, output,
        };

        command.SetAction(parseResult =>
        {
            var stderr = parseResult.InvocationConfiguration.Error;
            var filter = new RipeFilterOptions
            {
                Countries = Split(parseResult.GetValue(country)),
                NetnamePattern = parseResult.GetValue(netname),
                DescrPattern = parseResult.GetValue(descr),
                Orgs = Split(parseResult.GetValue(org)),
                MntBy = Split(parseResult.GetValue(mntBy)),
                Statuses = parseResult.GetValue(status) ?? [],
                MinLength = parseResult.GetValue(minLength),
                MaxLength = parseResult.GetValue(maxLength),
                Origins = Split(parseResult.GetValue(origin)),
                AnnouncedOnly = parseResult.GetValue(announcedOnly),
            };

            var route6 = parseResult.GetValue(route6File);
            var problems = filter.Validate(route6 is not null, name => Flags.GetValueOrDefault(name));
            foreach (var problem in problems)
                Error(stderr, problem);
            if (problems.Count > 0)
                return ExitCodes.Usage;
            if (filter.Origins.Count > 0 && route6 is null)
                stderr.WriteLine("note: --origin matches route6 objects; inet6num objects in --file are kept only with --route6-file");
            return Run(parseResult.GetValue(file)!, route6, filter, parseResult.GetValue(output), parseResult.InvocationConfiguration.Output, stderr);
        });
        return command;
    }

    private static int Run(FileInfo file, FileInfo? route6, RipeFilterOptions filter, FileInfo? output, TextWriter stdout, TextWriter stderr)
    {
        string? target = null;
        if (output is not null)
        {
            target = WholeFileOutput.Target(output, "widescan ripe", out var refused);
            if (refused is not null)
            {
                Error(stderr, refused);
                return ExitCodes.Usage;
            }
        }

        try
        {
            RipeSummary? imported = null;
            void Import(TextWriter list)
            {
                list.WriteLine($"# widescan ripe import of {file.Name}{(route6 is null ? "" : " with " + route6.Name)}");
                imported = new RipeImport(filter).Run(file.FullName, route6?.FullName, entry => list.WriteLine(PrefixList.Format(entry)));
                list.Flush();
            }

            // A list cut short at a damaged input must not replace a whole one: the fresh temporary
            // file (WholeFileOutput) is then removed and the output left as it was.
            if (target is null)
                Import(stdout);
            else
                WholeFileOutput.TryReplace(target, writer =>
                {
                    Import(writer);
                    return imported!.IsComplete;
                });
            var summary = imported!;

            foreach (var problem in summary.Problems)
                stderr.WriteLine($"malformed: {Printable.Escape(problem.ToString())}");
            if (summary.ProblemsNotListed > 0)
                stderr.WriteLine($"malformed: ... and {summary.ProblemsNotListed} more not listed");
            foreach (var line in summary.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                stderr.WriteLine(Printable.Escape(line));
            if (!summary.IsComplete)
            {
                Error(stderr, target is null
                    ? "an input could not be read to its end: the list on stdout is incomplete"
                    : $"an input could not be read to its end: {output!.FullName} was left as it was");
                return ExitCodes.Failure;
            }

            if (summary.TotalTargets > TargetSpec.MaxTargets)
                stderr.WriteLine("note: more than 2^64 targets; a scan needs narrower filters or a subnet window");
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Error(stderr, e.Message);
            return ExitCodes.Failure;
        }
    }

    private static void Error(TextWriter stderr, string message) => stderr.WriteLine($"error: {Printable.Escape(message)}");

    private static Option<string[]> Repeatable(string name, string description) =>
        new(name) { Description = description, AllowMultipleArgumentsPerToken = false };

    private static string[] Split(string[]? values) =>
        values is null ? [] : [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
}
