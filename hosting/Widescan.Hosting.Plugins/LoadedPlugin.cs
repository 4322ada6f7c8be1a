using System.Reflection;
using McMaster.NETCore.Plugins;

namespace Widescan.Hosting.Plugins;

/// <summary>
/// A plugin that loaded into its own unloadable context and exports at least one part. Owned by its
/// <see cref="PluginCatalog"/>: disposing the catalog unloads it, after which nothing here may be used.
/// </summary>
public sealed class LoadedPlugin
{
    private PluginLoader? loader;
    private Assembly? assembly;

    internal LoadedPlugin(string folder, PluginLoader loader, Assembly assembly, IReadOnlyList<PluginExport> exports)
    {
        Folder = folder;
        this.loader = loader;
        this.assembly = assembly;
        var name = assembly.GetName();
        Name = name.Name ?? Path.GetFileName(folder);
        Version = name.Version?.ToString(3) ?? "?";
        Exports = exports;
    }

    /// <summary>The plugin's name: its folder's and main assembly's name.</summary>
    public string Name { get; }

    /// <summary>The main assembly's version.</summary>
    public string Version { get; }

    /// <summary>The plugin folder, absolute.</summary>
    public string Folder { get; }

    /// <summary>Every part the plugin exports.</summary>
    public IReadOnlyList<PluginExport> Exports { get; }

    /// <summary>The plugin's main assembly; throws once the catalog has unloaded the plugin.</summary>
    public Assembly Assembly => assembly ?? throw new ObjectDisposedException(Name, $"plugin {Name} has been unloaded");

    /// <summary>
    /// Drops every reference to the plugin's assembly and unloads its context. The context is
    /// collected once no plugin object is held anywhere else.
    /// </summary>
    internal void Unload()
    {
        assembly = null;
        loader?.Dispose();
        loader = null;
    }
}
