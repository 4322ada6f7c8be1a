using System.CommandLine;
using System.Globalization;
using Serilog;
using Widescan.Contracts;
using Widescan.Host.Input;

namespace Widescan.Host.Commands;

/// <summary>
/// The target flags that <c>generate</c> and <c>scan</c> share, and their translation into a
/// <see cref="TargetSpec"/>. Every problem is collected, so one run reports all of them.
/// </summary>
internal sealed class TargetOptions
{
    /// <summary>The target flags; <paramref name="keyFile"/> is a key file flag the command has already (scan's), or null for one of their own.</summary>
    public TargetOptions(Option<FileInfo?>? keyFile = null)
    {
        OwnsKeyFile = keyFile is null;
        Rendezvous = new RendezvousFlags(keyFile ?? RendezvousFlags.NewKeyFileOption(), reportsKeyFileErrors: OwnsKeyFile);
    }

    /// <summary>The flags of <c>--iid rendezvous</c>.</summary>
    public RendezvousFlags Rendezvous { get; }

    private bool OwnsKeyFile { get; }

    public Option<string[]> Prefix { get; } = new("--prefix")
    {
        Description = "An IPv6 prefix to scan (repeatable), e.g. 2001:db8::/112",
        HelpName = "PREFIX",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<FileInfo[]> PrefixFile { get; } = new("--prefix-file")
    {
        Description = "A file of prefixes, one per line, '#' comments, optional 'window=/N' (the output of widescan ripe); repeatable",
        HelpName = "FILE",
    };

    public Option<FileInfo[]> TargetsFile { get; } = new("--targets-file")
    {
        Description = "A file of addresses to scan instead of prefixes (a hitlist, up to 100,000,000 addresses in all): one address (or /128) per line, '#' comments; repeatable. Exclusions and the blocklist still apply",
        HelpName = "FILE",
    };

    public Option<string[]> Exclude { get; } = new("--exclude") { Description = "A prefix never to scan (repeatable)", HelpName = "PREFIX" };

    public Option<FileInfo[]> ExcludeFile { get; } = new("--exclude-file")
    {
        Description = "A file of prefixes or addresses never to scan (an operator's opt-out list, a published aliased-prefix list): one per line, '#' comments; repeatable",
        HelpName = "FILE",
    };

    public Option<int?> SubnetBits { get; } = new("--subnet-bits")
    {
        Description = "Window scan: vary the bits from each prefix's length up to N and fill the rest from --iid",
        HelpName = "N",
    };

    public Option<string?> Iid { get; } = new("--iid")
    {
        Description = "Interface identifier of a window scan: ::1 | low:1-ff | random | eui64:00:50:56[,OUI...] | ipv4:192.0.2.0/24 | rendezvous (a network's rendezvous addresses in each /64: with --subnet-bits 64 and --network-key-file or --network-name) (default ::1)",
        HelpName = "PATTERN",
    };

    public Option<string?> Seed { get; } = new("--seed")
    {
        Description = "Key of the pseudo-random order (decimal or 0x hex); random and logged when omitted. Shards and resumes need the same seed",
        HelpName = "SEED",
    };

    public Option<string?> Shard { get; } = new("--shard")
    {
        Description = "Take shard I of N (0-based), e.g. 0/4 (needs --seed), or auto: from a Slurm job array (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX of --shard-count or WIDESCAN_SHARD_COUNT)",
        HelpName = "I/N|auto",
    };

    public Option<int?> ShardCount { get; } = new("--shard-count")
    {
        Description = "With --shard auto: the number of shards (a Kubernetes Indexed Job's completions; for a Slurm array it must equal SLURM_ARRAY_TASK_COUNT)",
        HelpName = "N",
    };

    /// <summary>Reads an environment variable for <c>--shard auto</c>; the process's, or a test's.</summary>
    public Func<string, string?> EnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    public Option<ulong> Start { get; } = new("--start") { Description = "Start at this cursor (a position saved by an earlier run)", HelpName = "CURSOR" };

    public Option<bool> AllowReserved { get; } = new("--allow-reserved")
    {
        Description = "Lift the default blocklist of reserved ranges (documentation, loopback, ULA, multicast, ...). Only for labs",
    };

    public Option<string> Generator { get; } = new("--generator")
    {
        Description = "The address generator: auto (a real GPU when one serves, else cpu) | cpu | gpu | a plugin's generator name",
        HelpName = "NAME",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string?> GpuDevice { get; } = new("--gpu-device")
    {
        Description = "For --generator gpu: the GPU to use (index or name), or 'emulator' to run the kernel on ILGPU's CPU accelerator (slow; for checks)",
        HelpName = "DEVICE",
    };

    /// <summary>Adds every target flag to a command.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Prefix, PrefixFile, TargetsFile, Exclude, ExcludeFile, SubnetBits, Iid, Seed, Shard, ShardCount, Start, AllowReserved, Generator, GpuDevice })
            command.Options.Add(option);
        Rendezvous.AddTo(command, withKeyFile: OwnsKeyFile);
    }

    /// <summary>
    /// Builds the spec, or returns null with every problem in <paramref name="errors"/> (which may hold
    /// other flags' problems already). A flag in error is left out and the spec's own rules are still
    /// checked on the rest, so one run lists every problem; what only follows from a flag in error
    /// ("no target prefix" when every prefix was bad) is not reported twice.
    /// </summary>
    /// <param name="parseResult">The command line.</param>
    /// <param name="errors">Where every problem goes.</param>
    /// <param name="seedSaved">A state file to resume exists: it holds the seed, so shards need no --seed.</param>
    public TargetSpec? Build(ParseResult parseResult, List<string> errors, bool seedSaved = false)
    {
        var before = errors.Count;
        var include = new List<Ipv6Prefix>();
        var windows = new Dictionary<Ipv6Prefix, int>();
        var includeFailed = false;
        foreach (var text in parseResult.GetValue(Prefix) ?? [])
            includeFailed |= !AddPrefix(text, "--prefix", include, errors);
        foreach (var file in parseResult.GetValue(PrefixFile) ?? [])
        {
            includeFailed |= !ReadPrefixFile(file, PrefixFile.Name, errors, (entry, _) =>
            {
                include.Add(entry.Prefix);
                if (entry.SubnetBits is { } bits)
                    windows[entry.Prefix] = bits;
                return null;
            });
        }

        // The plugin reads address lists itself (a host never holds 10^8 addresses); here only that they can be opened.
        var targetFiles = new List<string>();
        foreach (var file in parseResult.GetValue(TargetsFile) ?? [])
        {
            if (Directory.Exists(file.FullName))
                errors.Add($"{TargetsFile.Name} {file.FullName} is a directory: give the path of an address list");
            else if (!file.Exists)
                errors.Add($"{TargetsFile.Name} {file.FullName}: no such file");
            targetFiles.Add(file.FullName);
        }

        var exclude = new List<Ipv6Prefix>();
        foreach (var text in parseResult.GetValue(Exclude) ?? [])
            AddPrefix(text, "--exclude", exclude, errors);

        // An opt-out file is read whole or refused: a list that half loaded would scan someone who
        // asked not to be.
        foreach (var file in parseResult.GetValue(ExcludeFile) ?? [])
        {
            var listed = new List<Ipv6Prefix>();
            if (ReadPrefixFile(file, ExcludeFile.Name, errors, (entry, _) =>
                {
                    if (entry.SubnetBits is not null)
                        return "window= has no meaning in an exclusion list (a listed prefix is never scanned, whole)";
                    listed.Add(entry.Prefix);
                    return null;
                }))
                exclude.AddRange(listed);
        }

        // A prefix file's windows (RIPE assignment sizes) apply to their own prefixes; --subnet-bits to the rest.
        var subnetBits = parseResult.GetValue(SubnetBits);
        var windowed = subnetBits is not null || windows.Count > 0;

        // A list has no window: a stand-in ::1 would only add a second "no meaning" error to --iid's.
        IidPattern? iid = windowed && targetFiles.Count == 0 ? IidPattern.Fixed(1) : null;
        var iidText = parseResult.GetValue(Iid)?.Trim();
        var rendezvousFailed = false;
        if (iidText is not null && iidText.Equals("rendezvous", StringComparison.OrdinalIgnoreCase))
        {
            // A failed pattern leaves a stand-in, so that the /64 window is still checked in this pass.
            var built = Rendezvous.Build(parseResult, errors, out var standIn);
            iid = built ?? standIn;
            rendezvousFailed = built is null;
        }
        else if (iidText is not null && iidText.StartsWith("rendezvous:", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"--iid {iidText}: give --iid rendezvous alone, the slots with {Rendezvous.Slots.Name} and the key with {Rendezvous.KeyFile.Name} or {Rendezvous.NetworkName.Name}");
            rendezvousFailed = true;
        }
        else if (iidText is not null)
        {
            try
            {
                iid = IidPattern.Parse(iidText);
            }
            catch (FormatException e)
            {
                // The stand-in (::1 in a window) keeps "needs an IID pattern" from following.
                errors.Add(e.Message);
            }
        }

        if (iid?.Kind != IidPatternKind.Rendezvous && !rendezvousFailed)
            Rendezvous.RefuseWithout(parseResult, iidText ?? (windowed ? "::1" : "not given"), errors);

        if (iid?.Kind == IidPatternKind.Rendezvous)
        {
            // Rendezvous addresses live in every /64: the window is /64 unless the user asked for
            // another (refused below). A prefix file's window= is the registry's assignment size:
            // it says where the customers are, and each of their /64s is probed.
            subnetBits ??= 64;
            windows = windows.ToDictionary(w => w.Key, _ => 64);
        }

        var shard = BuildShard(parseResult, errors, seedSaved);
        var seed = ParseSeed(parseResult.GetValue(Seed), errors);
        var spec = new TargetSpec
        {
            Include = include,
            TargetFiles = targetFiles,
            Exclude = exclude,
            SubnetBits = subnetBits,
            PrefixWindows = [.. windows.Select(w => new PrefixWindow(w.Key, w.Value))],
            Iid = iid,
            Seed = seed,
            Shard = shard,
            StartCursor = parseResult.GetValue(Start),
            AllowReserved = parseResult.GetValue(AllowReserved),
        };
        foreach (var error in spec.Validate())
        {
            // The contracts name their properties; a command line names its flags.
            if (!(includeFailed && include.Count == 0 && error.StartsWith("no target prefix", StringComparison.Ordinal)))
                errors.Add(Flags(error));
        }

        if (errors.Count > before || rendezvousFailed)
            return null;
        WarnAboutReserved(spec);
        return spec;
    }

    /// <summary>
    /// A target-spec message in this command line's words: the contracts and the plugin name their
    /// options (TargetFiles, Include, ...), the CLI its flags. Also for what the generator reports
    /// when it reads the targets files. Only the known openings and endings of those messages are
    /// rewritten, never what lies between (a file name such as TargetFiles.txt, an echoed line).
    /// </summary>
    public static string Flags(string message) => OptionFlags.Translate(message);

    private static void WarnAboutReserved(TargetSpec spec)
    {
        if (spec.AllowReserved)
            return;
        foreach (var prefix in spec.Include)
        {
            if (ReservedPrefixes.FindOverlap(prefix) is { } reserved)
            {
                Log.Warning(reserved.Prefix.Contains(prefix)
                    ? "{Prefix} lies inside the reserved {Reserved}: none of it will be scanned (--allow-reserved lifts the blocklist, for labs)"
                    : "{Prefix} overlaps the reserved {Reserved}: that part is skipped (--allow-reserved lifts the blocklist, for labs)",
                    prefix.ToString(), reserved.ToString());
            }
        }
    }

    private static bool AddPrefix(string text, string flag, List<Ipv6Prefix> into, List<string> errors)
    {
        if (Ipv6Prefix.TryParse(text, out var prefix, out var error))
        {
            into.Add(prefix);
            return true;
        }

        errors.Add($"{flag}: {error}");
        return false;
    }

    /// <summary>
    /// Reads one prefix file as a stream with a line cap; a file that is not a text prefix list (a
    /// NUL byte, an overlong line) gives one error and none of its entries, and at most
    /// <see cref="TextInputLimits.ListedLineErrors"/> bad lines are listed, the rest counted.
    /// </summary>
    private static bool ReadPrefixFile(FileInfo file, string flag, List<string> errors, Func<PrefixListEntry, int, string?> take)
    {
        var entries = new List<(PrefixListEntry Entry, int Line)>();
        var lineErrors = new List<string>();
        var bad = 0;
        try
        {
            using var reader = BoundedLineReader.Open(file.FullName, file.FullName, TextInputLimits.PrefixFileLineBytes);
            while (reader.TryReadLine(out var line))
            {
                if (!PrefixList.TryParseLine(line, out var entry, out var error))
                {
                    if (++bad <= TextInputLimits.ListedLineErrors)
                        lineErrors.Add($"{flag} {file.Name}: line {reader.LineNumber}: {error}");
                }
                else if (entry is not null)
                {
                    entries.Add((entry, reader.LineNumber));
                }
            }

            if (reader.Problem is { } problem)
            {
                // A binary file's "lines" are noise: its one error says what it is.
                if (!reader.IsBinary)
                    errors.AddRange(lineErrors);
                errors.Add($"{flag} {problem}");
                return false;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{flag} {file.FullName}: {e.Message}");
            return false;
        }

        // What the caller refuses in a well-formed entry is a bad line too, named the same way.
        foreach (var (entry, line) in entries)
        {
            if (take(entry, line) is { } refused && ++bad <= TextInputLimits.ListedLineErrors)
                lineErrors.Add($"{flag} {file.Name}: line {line}: {refused}");
        }

        errors.AddRange(lineErrors);
        if (bad > TextInputLimits.ListedLineErrors)
            errors.Add($"{flag} {file.Name}: and {bad - TextInputLimits.ListedLineErrors} more bad lines not listed");
        return bad == 0;
    }

    /// <summary>
    /// The shard of --shard (I/N or auto, from the batch engine's environment) and --shard-count.
    /// Shards of one scan must share a seed: a random one each would overlap and leave gaps, so more
    /// than one shard, or auto, needs --seed (or a state file that saved it).
    /// </summary>
    private ShardSpec BuildShard(ParseResult parseResult, List<string> errors, bool seedSaved)
    {
        var shard = ShardSpec.Whole;
        var text = parseResult.GetValue(Shard)?.Trim();
        var count = parseResult.GetValue(ShardCount);
        var auto = string.Equals(text, "auto", StringComparison.OrdinalIgnoreCase);
        if (auto)
        {
            var resolved = ShardEnvironment.Resolve(EnvironmentVariable, count);
            errors.AddRange(resolved.Errors.Select(Flags));
            if (resolved.Shard is { } found)
            {
                shard = found;
                Log.Information("--shard auto: shard {Shard} from the {Source}", shard.ToString(), resolved.Source);
            }
        }
        else
        {
            if (count is not null)
                errors.Add($"--shard-count goes with --shard auto only: --shard I/N carries its count ({(text is null ? "no --shard is given" : $"--shard {Input.Printable.Escape(text)}")})");
            if (text is not null)
            {
                try
                {
                    shard = ShardSpec.Parse(text);
                }
                catch (FormatException e)
                {
                    errors.Add(e.Message);
                }
            }
        }

        if ((auto || shard.Count > 1) && parseResult.GetValue(Seed) is null && !seedSaved)
        {
            errors.Add($"--shard {(auto ? "auto" : shard.ToString())} needs --seed: every shard of one scan must have the same seed, and without it each picks its own random order, so the shards would overlap and leave gaps (give one --seed, the same, to every shard)");
        }

        return shard;
    }

    private static ulong ParseSeed(string? text, List<string> errors)
    {
        if (text is null)
            return TargetSpec.NewSeed();
        var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var seed)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seed);
        if (!ok)
            errors.Add($"--seed '{text}' is not a 64-bit number (decimal or 0x hex)");
        return seed;
    }
}
