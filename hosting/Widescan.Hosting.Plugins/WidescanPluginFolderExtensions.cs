using Microsoft.Extensions.Options;
using Widescan.Hosting;
using Widescan.Hosting.Plugins;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs the discovery module of a plugins folder (or plugin zip) under AddWidescan.</summary>
public static class WidescanPluginFolderExtensions
{
    /// <summary>The name the Widescan plugin exports its discovery module under.</summary>
    public const string DefaultModuleName = "discovery";

    /// <summary>
    /// Loads the plugins under <paramref name="path"/> (a plugins directory holding
    /// &lt;Name&gt;/&lt;Name&gt;.dll, or a plugin zip, unpacked into <paramref name="cacheDirectory"/>)
    /// when the host starts, and runs the discovery module named <paramref name="moduleName"/> (or the
    /// only module there is). When there is no such module, the start fails (an
    /// <see cref="OptionsValidationException"/>) listing every problem of the catalog with the other
    /// option problems; when there is one, each problem is logged as a warning and the host goes on.
    /// The catalog is unloaded when the host's services are disposed.
    /// </summary>
    public static WidescanBuilder UsePluginFolder(this WidescanBuilder builder, string path, string moduleName = DefaultModuleName, string? cacheDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(moduleName);
        // Without a module the start fails with the folder's own problems, and only those.
        return builder.UseModuleSource(sp => new PluginFolderModule(path, moduleName, cacheDirectory, sp));
    }
}
