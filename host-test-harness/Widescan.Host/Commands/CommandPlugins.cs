using System.CommandLine;
using Serilog;
using Widescan.Hosting.Plugins;

namespace Widescan.Host.Commands;

/// <summary>How a command gets the plugins: load what loads, warn about the rest, go on.</summary>
internal static class CommandPlugins
{
    /// <summary>
    /// Loads the plugins of <c>--plugins</c>. Each broken folder is logged as a warning and skipped; the
    /// caller owns (and disposes) the catalog.
    /// </summary>
    public static PluginCatalog Load(ParseResult parseResult)
    {
        var directory = parseResult.GetValue(WidescanCli.PluginsOption)!.FullName;
        var catalog = PluginCatalog.Load(directory);
        foreach (var problem in catalog.Problems)
            Log.Warning("Plugin problem, going on without it: {Problem}", problem.ToString());
        Log.Information("Loaded {Count} plugin(s) from {Directory}: {Names}", catalog.Plugins.Count, catalog.Directory,
            string.Join(", ", catalog.Plugins.Select(p => p.Name)));
        return catalog;
    }
}
