using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Widescan.Contracts;

namespace Widescan.Hosting.Plugins;

/// <summary>
/// The catalog UsePluginFolder loads (once, when the module is first needed) and the module chosen from
/// it, or every reason there is none (the start's validation lists them, as an <see cref="IWidescanModuleSource"/>).
/// Owned by the host's services: disposing it unloads the plugins.
/// </summary>
internal sealed class PluginFolderModule : IWidescanModuleSource, IDisposable
{
    private readonly PluginCatalog? catalog;

    public PluginFolderModule(string path, string moduleName, string? cacheDirectory, IServiceProvider services)
    {
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Widescan.Hosting.Plugins");
        var problems = new List<PluginProblem>();
        string? directory = Path.GetFullPath(path);
        if (File.Exists(directory) && directory.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            var (unpacked, zipProblems) = PluginArchive.Extract(directory, cacheDirectory);
            problems.AddRange(zipProblems);
            directory = unpacked;
        }

        if (directory is not null)
        {
            catalog = PluginCatalog.Load(directory);
            problems.AddRange(catalog.Problems);
            Module = Choose(catalog, moduleName, problems);
        }

        Problems = problems;
        Lines = [.. problems.Select(p => "UsePluginFolder: " + p)];
        if (Module is null)
            return;
        foreach (var problem in problems)
            logger.LogWarning("Plugin problem, going on without it: {Problem}", problem.ToString());
        logger.LogInformation("Discovery module {Module} from {Directory} ({Plugins})", moduleName, catalog!.Directory,
            string.Join(", ", catalog.Plugins.Select(p => $"{p.Name} {p.Version}")));
    }

    /// <summary>The chosen module, or null when the folder offers none (see <see cref="Problems"/>).</summary>
    public IDiscoveryModule? Module { get; }

    /// <summary>Every problem of the zip and the catalog, and why no module was chosen.</summary>
    public IReadOnlyList<PluginProblem> Problems { get; }

    /// <summary>The problems as the start's validation lists them: "UsePluginFolder: FILE: CAUSE".</summary>
    IReadOnlyList<string> IWidescanModuleSource.Problems => Lines;

    private IReadOnlyList<string> Lines { get; }

    public void Dispose() => catalog?.Dispose();

    private static IDiscoveryModule? Choose(PluginCatalog catalog, string name, List<PluginProblem> problems)
    {
        var modules = catalog.Modules();
        var chosen = modules.FirstOrDefault(m => PartLookup.Comparer.Equals(m.Metadata.Name, name))
            ?? (modules.Count == 1 ? modules[0] : null);
        if (chosen is null)
        {
            problems.Add(new(catalog.Directory, "", modules.Count == 0
                ? "no plugin here exports a discovery module"
                : $"no discovery module named '{name}'; the plugins offer: {string.Join(", ", modules.Select(m => m.Metadata.Name).Order())}"));
            return null;
        }

        try
        {
            return chosen.Value;
        }
        catch (Exception e)
        {
            // Creating the part runs the plugin's constructor: what it throws is the plugin's problem.
            problems.Add(new(catalog.Directory, "", $"the discovery module '{chosen.Metadata.Name}' could not be created: {e.Message}"));
            return null;
        }
    }
}
