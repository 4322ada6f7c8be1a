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
    ];

    /// <summary>The message with the options this command line has flags for named by those flags.</summary>
    public static string Translate(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var (option, flag) in Phrases)
            message = message.Replace(option, flag, StringComparison.Ordinal);
        foreach (var (option, flag) in Names)
            message = option.Replace(message, flag);
        return message;
    }

    // A bare option name: not part of a longer word, nor a member access such as TargetSpec.SubnetBits.
    private static Regex OptionName(string name) => new($@"(?<![\w.]){name}\b", RegexOptions.CultureInvariant);
}
