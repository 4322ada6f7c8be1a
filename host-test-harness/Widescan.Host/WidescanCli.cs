using System.CommandLine;
using Widescan.Host.Commands;

namespace Widescan.Host;

/// <summary>The command line: a root command, its global options and one subcommand per file in Commands/.</summary>
internal static class WidescanCli
{
    /// <summary>The plugins directory, for every command; plugins/ next to the executable by default.</summary>
    public static readonly Option<DirectoryInfo> PluginsOption = new("--plugins")
    {
        Description = "The plugins directory, holding <Name>/<Name>.dll for each plugin; plugins/ next to widescan by default",
        HelpName = "DIR",
        Recursive = true,
        DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(AppContext.BaseDirectory, "plugins")),
    };

    /// <summary>Builds the root command.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("Widescan: finds peers of a P2P network across the IPv6 Internet. This harness loads the Widescan plugins and drives them.");
        root.Options.Add(PluginsOption);

        // One line per command; each lives in Commands/<Name>Command.cs.
        root.Subcommands.Add(PluginsCommand.Create());
        root.Subcommands.Add(RipeCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(ScanCommand.Create());
        root.Subcommands.Add(ListenCommand.Create());
        root.Subcommands.Add(RendezvousCommand.Create());
        root.Subcommands.Add(PrefixesCommand.Create());
        root.Subcommands.Add(MergeCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        return root;
    }

    /// <summary>Parses and runs a command line; a usage error prints what is wrong and returns <see cref="ExitCodes.Usage"/>.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var root = Create();
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            // Every problem of the line at once: the flags System.CommandLine refused, then the rest's.
            ErrorReport.Write(error, "widescan", parseResult.Errors.Select(e => e.Message));
            var command = parseResult.CommandResult.Command;
            ErrorReport.Write(error, $"widescan {command.Name}", ErrorReport.CommandErrors(root, args, parseResult));
            error.WriteLine("Run 'widescan --help' for usage.");
            return ExitCodes.Usage;
        }

        return parseResult.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
