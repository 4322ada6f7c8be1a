using System.CommandLine;
using Widescan.Hosting.Plugins;

namespace Widescan.Host.Commands;

/// <summary><c>widescan plugins</c>: every export of every plugin, and every plugin folder with a problem.</summary>
internal static class PluginsCommand
{
    public static Command Create()
    {
        var command = new Command("plugins",
            "List every export of every plugin (name, kind, assembly, folder) and report each plugin folder that cannot serve. Exits 1 when any has a problem.");
        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        using var catalog = PluginCatalog.Load(parseResult.GetValue(WidescanCli.PluginsOption)!.FullName);

        var rows = catalog.Plugins
            .SelectMany(p => p.Exports.Select(e => new[] { e.Name, e.Kind, $"{p.Name} {p.Version}", p.Folder }))
            .ToList();
        if (rows.Count > 0)
            WriteTable(output, ["NAME", "KIND", "ASSEMBLY", "FOLDER"], rows);

        foreach (var problem in catalog.Problems)
            error.WriteLine($"problem: {problem}");
        output.WriteLine($"{catalog.Plugins.Count} plugin(s) loaded from {catalog.Directory} with {rows.Count} export(s); {catalog.Problems.Count} problem(s)");
        return catalog.Problems.Count == 0 ? ExitCodes.Ok : ExitCodes.PluginProblems;
    }

    private static void WriteTable(TextWriter output, string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            // The last column is not padded, so lines carry no trailing blanks.
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))));
        }
    }
}
