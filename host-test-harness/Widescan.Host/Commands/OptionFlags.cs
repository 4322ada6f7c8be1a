using System.Text.RegularExpressions;

namespace Widescan.Host.Commands;

/// <summary>
/// The one place where the contracts' and the plugin's words become this command line's: they name
/// their options (WidescanOptions.Rate, TargetSpec.SubnetBits, ...), since a host has no flags; the
/// CLI prints its flags instead, in validation errors, state-file refusals and generator reasons.
/// </summary>
internal static partial class OptionFlags
{
    // Whole phrases first (their wording differs on the command line), then single option names.
    private static readonly (string Option, string Flag)[] Phrases =
    [
        ("set SubnetBits to 64 (and no other window in PrefixWindows)", "give --subnet-bits 64 (and no window= in a --prefix-file)"),
        ("Include and TargetFiles do not go together", "--prefix/--prefix-file and --targets-file do not go together"),
        ("SubnetBits, PrefixWindows and Iid have no meaning", "--subnet-bits, window= and --iid have no meaning"),
        ("give at least one prefix in Include, or address lists in TargetFiles", "give at least one include prefix (--prefix or --prefix-file), or address lists (--targets-file)"),
        ("an IID pattern in Iid (", "an IID pattern (--iid "),
        ("set SubnetBits, or a window for every prefix in PrefixWindows", "give --subnet-bits, or a window for every prefix (window= in a --prefix-file)"),
        ("(Exclude)", "(--exclude, --exclude-file)"),
        ("set Generator to cpu, or GpuDevice to emulator", "use --generator cpu, or --gpu-device emulator"),
    ];

    private static readonly (Regex Option, string Flag)[] Names =
    [
        (OptionName("SubnetBits"), "--subnet-bits"),
        (OptionName("TargetFiles"), "--targets-file"),
        (OptionName("AllowReserved"), "--allow-reserved"),
        (OptionName("ShardCount"), "--shard-count"),
        (new Regex(@"^shard auto:", RegexOptions.CultureInvariant), "--shard auto:"),
        (OptionName("PeerSeenInterval"), "--peer-seen-interval"),
        (OptionName("PeerExpiry"), "--peer-expiry"),
        (OptionName("ProgressCells"), "--progress-cells"),
    ];

    // Messages that carry a file name or echoed file text (a targets file's load errors, its
    // warnings, a resume refusal naming its files): only their known opening or ending is rewritten,
    // never what the user's files hold (a file named TargetFiles.txt stays so named).
    private static readonly (string Option, string Flag)[] Openings =
    [
        ("Include and TargetFiles do not go together", "--prefix/--prefix-file and --targets-file do not go together"),
        ("TargetFiles lists whole addresses: SubnetBits, PrefixWindows and Iid have no meaning", "--targets-file lists whole addresses: --subnet-bits, window= and --iid have no meaning"),
        ("the saved scan is of address lists (TargetFiles: ", "the saved scan is of address lists (--targets-file: "),
        ("the saved scan is of prefixes, this one of address lists (TargetFiles)", "the saved scan is of prefixes, this one of address lists (--targets-file)"),
        ("TargetFiles[", "--targets-file["),
        ("TargetFiles:", "--targets-file:"),
        ("TargetFiles ", "--targets-file "),
    ];

    private static readonly (string Option, string Flag)[] Endings =
    [
        ("(Exclude): they are not scanned", "(--exclude, --exclude-file): they are not scanned"),
        ("(AllowReserved lifts the blocklist, for labs)", "(--allow-reserved lifts the blocklist, for labs)"),
        ("since AllowReserved lifts the blocklist (for labs)", "since --allow-reserved lifts the blocklist (for labs)"),
    ];

    /// <summary>The message with the options this command line has flags for named by those flags.</summary>
    public static string Translate(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Anchored(message) is { } anchored)
            return anchored;
        foreach (var (option, flag) in Phrases)
            message = message.Replace(option, flag, StringComparison.Ordinal);
        foreach (var (option, flag) in Names)
            message = option.Replace(message, flag);
        return message;
    }

    /// <summary>A message that embeds user text, with its known opening and ending rewritten; null for any other message.</summary>
    private static string? Anchored(string message)
    {
        var matched = false;
        foreach (var (option, flag) in Openings)
        {
            if (message.StartsWith(option, StringComparison.Ordinal))
            {
                message = flag + message[option.Length..];
                matched = true;
                break;
            }
        }

        foreach (var (option, flag) in Endings)
        {
            if (message.EndsWith(option, StringComparison.Ordinal))
                return message[..^option.Length] + flag;
        }

        return matched ? message : null;
    }

    // A bare option name: not part of a longer word, nor a member access such as TargetSpec.SubnetBits.
    private static Regex OptionName(string name) => new($@"(?<![\w.]){name}\b", RegexOptions.CultureInvariant);
}
