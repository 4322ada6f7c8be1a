using Serilog;
using Widescan.Contracts;
using Widescan.Host.Input;
using Widescan.Hosting.Plugins;

namespace Widescan.Host.Commands;

/// <summary>Finds the discovery module among the plugins' exports, or says in one line why there is none.</summary>
internal static class ModuleChoice
{
    /// <summary>The name the plugin exports its module under.</summary>
    public const string Name = "discovery";

    /// <summary>The module named "discovery" (or the only module there is), or null after one line on <paramref name="stderr"/>.</summary>
    public static IDiscoveryModule? Resolve(PluginCatalog catalog, string command, TextWriter stderr)
    {
        var modules = catalog.Modules();
        Lazy<IDiscoveryModule, PartMetadata>? chosen;
        try
        {
            chosen = PartLookup.Find(modules, PartKinds.Module, Name) ?? (modules.Count == 1 ? modules[0] : null);
        }
        catch (DuplicatePartException e)
        {
            stderr.WriteLine($"{command}: {Printable.Escape(e.Message)}");
            return null;
        }

        if (chosen is null)
        {
            stderr.WriteLine(modules.Count == 0
                ? $"{command}: no plugin in {catalog.Directory} exports a discovery module (see widescan plugins)"
                : $"{command}: no discovery module named '{Name}'; the plugins offer: {string.Join(", ", modules.Select(m => m.Metadata.Name).Order())}");
            return null;
        }

        try
        {
            var module = chosen.Value;
            Log.Information("Discovery module {Name}", chosen.Metadata.Name);
            return module;
        }
        catch (Exception e)
        {
            // Creating the part runs the plugin's constructor: whatever it throws is the plugin's problem, one line here.
            Log.Debug(e, "Creating the discovery module failed");
            stderr.WriteLine($"{command}: the discovery module '{chosen.Metadata.Name}' could not be created: {e.Message}");
            return null;
        }
    }
}
