using System.CommandLine;
using System.CommandLine.Parsing;
using Widescan.Host.Input;

namespace Widescan.Host.Commands;

/// <summary>How every command prints the problems of its command line: one line each, escaped.</summary>
internal static class ErrorReport
{
    /// <summary>Writes "PREFIX: error" per error, control characters escaped (errors quote files and flags).</summary>
    public static void Write(TextWriter stderr, string prefix, IEnumerable<string> errors)
    {
        foreach (var error in errors)
            stderr.WriteLine($"{prefix}: {Printable.Escape(error)}");
    }

    /// <summary>
    /// The problems of a command line that System.CommandLine refused, beyond its own parse errors:
    /// the flags it could not take (and unknown tokens) are left out, the rest parsed again and checked
    /// by the command. Empty when the command cannot check itself or the rest does not parse either.
    /// </summary>
    public static List<string> CommandErrors(RootCommand root, IReadOnlyList<string> args, ParseResult failed)
    {
        var errors = new List<string>();
        if (failed.CommandResult.Command is not ICollectsErrors)
            return errors;

        var badOptions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var error in failed.Errors)
        {
            var option = error.SymbolResult as OptionResult ?? error.SymbolResult?.Parent as OptionResult;
            if (option is null)
                continue;
            badOptions.Add(option.Option.Name);
            foreach (var alias in option.Option.Aliases)
                badOptions.Add(alias);
        }

        var unmatched = new HashSet<string>(failed.UnmatchedTokens, StringComparer.Ordinal);
        var rest = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (badOptions.Contains(equals > 0 ? arg[..equals] : arg))
            {
                // Its value goes with it, unless the flag had none and the next token is another flag.
                if (equals < 0 && i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    i++;
                continue;
            }

            if (!unmatched.Contains(arg))
                rest.Add(arg);
        }

        var retry = root.Parse(rest);
        if (retry.Errors.Count == 0 && retry.CommandResult.Command is ICollectsErrors command)
            command.CollectErrors(retry, errors);
        return errors;
    }
}
