using System.Composition.Hosting;
using Widescan.Contracts;

namespace Widescan.Hosting.Plugins;

/// <summary>
/// Every plugin under a plugins directory, each in its own unloadable context, and one MEF container
/// over all of them, so a part of one plugin can serve another's by name. Broken folders become
/// <see cref="Problems"/>; the others load. Disposing the catalog disposes the container and unloads
/// every plugin.
/// </summary>
public sealed class PluginCatalog : IDisposable
{
    private readonly List<LoadedPlugin> plugins;
    private CompositionHost? container;

    private PluginCatalog(string directory, List<LoadedPlugin> plugins, List<PluginProblem> problems, CompositionHost container)
    {
        Directory = directory;
        this.plugins = plugins;
        Problems = problems;
        this.container = container;
    }

    /// <summary>The plugins directory, absolute.</summary>
    public string Directory { get; }

    /// <summary>The plugins that loaded and export something, in folder-name order.</summary>
    public IReadOnlyList<LoadedPlugin> Plugins => plugins;

    /// <summary>Every folder or file that could not serve, with its likely cause.</summary>
    public IReadOnlyList<PluginProblem> Problems { get; }

    /// <summary>The one container over every loaded plugin.</summary>
    public CompositionHost Container => container ?? throw new ObjectDisposedException(nameof(PluginCatalog));

    /// <summary>Loads every plugins/&lt;Name&gt;/&lt;Name&gt;.dll under the directory. Never throws for a broken plugin.</summary>
    public static PluginCatalog Load(string pluginsDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginsDirectory);
        var directory = Path.GetFullPath(pluginsDirectory);
        var plugins = new List<LoadedPlugin>();
        var problems = new List<PluginProblem>();
        if (!System.IO.Directory.Exists(directory))
        {
            problems.Add(new(directory, "", "the plugins directory does not exist: it must be a directory holding <Name>/<Name>.dll"));
            return new(directory, plugins, problems, Compose(plugins, problems));
        }

        foreach (var stray in System.IO.Directory.EnumerateFiles(directory, "*.dll").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(stray);
            problems.Add(new(directory, Path.GetFileName(stray), $"lies loose in the plugins directory and is ignored: a plugin goes in its own folder, {name}/{name}.dll"));
        }

        foreach (var folder in System.IO.Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
        {
            var (plugin, folderProblems) = PluginFolder.Load(folder);
            if (plugin is not null)
                plugins.Add(plugin);
            problems.AddRange(folderProblems);
        }

        problems.AddRange(DuplicateNames(directory, plugins));
        return new(directory, plugins, problems, Compose(plugins, problems));
    }

    /// <summary>Every generator of every plugin, with its metadata, none created yet.</summary>
    public IReadOnlyList<Lazy<IAddressGenerator, PartMetadata>> Generators() =>
        [.. Container.GetExports<Lazy<IAddressGenerator, PartMetadata>>()];

    /// <summary>The generator exported under the name (as <see cref="PartLookup"/> compares names), or null; only that one is created.</summary>
    /// <exception cref="DuplicatePartException">Two plugins export a generator of that name.</exception>
    public IAddressGenerator? FindGenerator(string name) =>
        PartLookup.Find(Generators(), PartKinds.Generator, name)?.Value;

    /// <summary>Every discovery module of every plugin, with its metadata, none created yet.</summary>
    public IReadOnlyList<Lazy<IDiscoveryModule, PartMetadata>> Modules() =>
        [.. Container.GetExports<Lazy<IDiscoveryModule, PartMetadata>>()];

    /// <summary>Disposes the container and unloads every plugin; parts taken from it must not be used afterwards.</summary>
    public void Dispose()
    {
        container?.Dispose();
        container = null;
        foreach (var plugin in plugins)
            plugin.Unload();
    }

    /// <summary>
    /// Exports of one kind that share a name as <see cref="PartLookup"/> compares them: every lookup of that
    /// name is refused (<see cref="DuplicatePartException"/>), so each clash is a problem, naming every source.
    /// </summary>
    private static IEnumerable<PluginProblem> DuplicateNames(string directory, List<LoadedPlugin> plugins)
    {
        var exports = plugins.SelectMany(p => p.Exports.Select(e => (Plugin: p, Export: e))).ToList();
        foreach (var kind in exports.GroupBy(x => x.Export.Kind, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var clash in kind.GroupBy(x => x.Export.Name, PartLookup.Comparer).Where(g => g.Count() > 1).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var sources = clash.Select(x => $"'{x.Export.Name}' ({x.Export.Part}) of {x.Plugin.Name} {x.Plugin.Version} in {x.Plugin.Folder}");
                yield return new(directory, "", $"{clash.Count()} {kind.Key} exports are named '{clash.Key}' (names compare ignoring case): " +
                    $"{string.Join(" and ", sources)}; a lookup of that name is refused, so rename one or remove its plugin");
            }
        }
    }

    private static CompositionHost Compose(List<LoadedPlugin> plugins, List<PluginProblem> problems)
    {
        try
        {
            return new ContainerConfiguration().WithAssemblies(plugins.Select(p => p.Assembly)).CreateContainer();
        }
        catch (Exception e)
        {
            // Each plugin composed alone already; this only fails on a clash between plugins.
            problems.Add(new("", "(all plugins)", $"the plugins do not compose together: {e.Message}"));
            return new ContainerConfiguration().CreateContainer();
        }
    }
}
