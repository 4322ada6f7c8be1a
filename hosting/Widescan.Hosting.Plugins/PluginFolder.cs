using System.Composition;
using System.Composition.Hosting;
using System.Reflection;
using McMaster.NETCore.Plugins;
using Widescan.Contracts;

namespace Widescan.Hosting.Plugins;

/// <summary>
/// Loads one plugin folder, plugins/&lt;Name&gt;/&lt;Name&gt;.dll, into its own unloadable context, or says
/// by file name why it cannot serve. Never throws for a broken plugin.
/// </summary>
public static class PluginFolder
{
    /// <summary>
    /// The types host and plugins share: the contracts and System.Composition's attribute types. Every
    /// other assembly a plugin uses is its own.
    /// </summary>
    internal static readonly Type[] SharedTypes = [typeof(IAddressGenerator), typeof(ExportAttribute)];

    private const string PublishFix =
        "delete it; publish the plugin with dotnet publish and reference Widescan.Contracts with " +
        "Private=false and ExcludeAssets=runtime, System.Composition.AttributedModel with ExcludeAssets=runtime";

    /// <summary>Loads the folder; exactly one of the two results is non-null.</summary>
    public static (LoadedPlugin? Plugin, IReadOnlyList<PluginProblem> Problems) Load(string folder)
    {
        folder = Path.GetFullPath(folder);
        var name = Path.GetFileName(folder);
        var file = name + ".dll";
        var path = Path.Combine(folder, file);
        if (!File.Exists(path))
            return Fail(folder, file, $"missing: a plugin folder must hold its main assembly as {name}/{file}");

        var traps = FindSharedCopies(folder);
        if (traps.Count > 0)
            return (null, traps);

        PluginLoader? loader = null;
        try
        {
            loader = PluginLoader.CreateFromAssemblyFile(path, isUnloadable: true, sharedTypes: SharedTypes);
            var assembly = loader.LoadDefaultAssembly();

            // Before its types load: a plugin of another major version would fail there with a
            // FileLoadException of the contracts, which names neither the plugin nor the fix.
            if (ContractsProblem(assembly, name) is { } refused)
            {
                loader.Dispose();
                return Fail(folder, file, refused);
            }

            var exports = ExportScanner.Scan(assembly);
            if (exports.Count == 0)
            {
                loader.Dispose();
                return Fail(folder, file, "exports nothing: no class carries System.Composition's [Export]. " +
                    "Likely causes: the plugin was built against its own copy of Widescan.Contracts or " +
                    "System.Composition.AttributedModel (their types then differ from the host's), or it has no parts yet");
            }

            CheckComposition(assembly);
            return (new LoadedPlugin(folder, loader, assembly, exports), []);
        }
        catch (Exception e)
        {
            loader?.Dispose();
            return Fail(folder, file, Explain(e));
        }
    }

    /// <summary>
    /// Why the plugin cannot serve with this host's contracts (ContractsVersion): it references another
    /// major version, or a part's metadata says it was built for a newer minor one; null when it can.
    /// </summary>
    public static string? ContractsProblem(Assembly assembly, string name)
    {
        var contracts = typeof(IAddressGenerator).Assembly.GetName();
        var reference = assembly.GetReferencedAssemblies().FirstOrDefault(r => r.Name == contracts.Name);
        if (reference?.Version is { } referenced && referenced.Major != contracts.Version?.Major)
            return $"plugin {name} was built for Widescan.Contracts {referenced.Major}.x, this host has {ContractsVersion.Loaded}: use a plugin built for this major version, or a host of its own";
        foreach (var builtFor in ExportScanner.ContractsVersions(assembly))
        {
            if (!ContractsVersion.Supports(builtFor, out var reason))
                return $"plugin {name} {reason}: update the host, or use a release of the plugin built for Widescan.Contracts {ContractsVersion.Loaded} or older";
        }

        return null;
    }

    /// <summary>The trap files: a copy of an assembly the host shares makes the plugin's exports invisible.</summary>
    private static List<PluginProblem> FindSharedCopies(string folder)
    {
        var problems = new List<PluginProblem>();
        var contracts = typeof(IAddressGenerator).Assembly.GetName().Name + ".dll";
        foreach (var path in Directory.EnumerateFiles(folder, "*.dll").Order(StringComparer.Ordinal))
        {
            var file = Path.GetFileName(path);
            if (file.Equals(contracts, StringComparison.OrdinalIgnoreCase))
                problems.Add(new(folder, file, $"the plugin carries its own copy of the contracts, which the host shares (its exports would not match): {PublishFix}"));
            else if (file.StartsWith("System.Composition", StringComparison.OrdinalIgnoreCase))
                problems.Add(new(folder, file, $"the plugin carries its own copy of System.Composition, which the host shares (its exports would not match): {PublishFix}"));
        }

        return problems;
    }

    /// <summary>Resolves the plugin's generators and modules without creating them, so a part whose imports fail shows here.</summary>
    private static void CheckComposition(Assembly assembly)
    {
        using var container = new ContainerConfiguration().WithAssembly(assembly).CreateContainer();
        _ = container.GetExports<Lazy<IAddressGenerator, PartMetadata>>().Count();
        _ = container.GetExports<Lazy<IDiscoveryModule, PartMetadata>>().Count();
    }

    private static string Explain(Exception e) => e switch
    {
        BadImageFormatException =>
            "not a valid .NET assembly (bad image): the file is damaged, truncated or native code; publish the plugin again",
        ReflectionTypeLoadException r when MissingDependency(r.LoaderExceptions) is { } dependency =>
            $"dependency {dependency} is missing from the folder: publish the plugin with dotnet publish and EnableDynamicLoading=true so its NuGet dependencies are copied",
        ReflectionTypeLoadException r =>
            $"some types failed to load: {r.LoaderExceptions.FirstOrDefault(x => x is not null)?.Message ?? r.Message}",
        FileNotFoundException f =>
            $"dependency {DependencyName(f.FileName)} is missing from the folder: publish the plugin with dotnet publish and EnableDynamicLoading=true so its NuGet dependencies are copied",
        FileLoadException f => $"could not be loaded ({f.Message}): a dependency has the wrong version or is blocked",
        CompositionFailedException c => $"a part cannot be composed: {c.Message}",
        _ => $"failed to load ({e.GetType().Name}): {e.Message}",
    };

    private static string? MissingDependency(Exception?[] loaderExceptions) =>
        loaderExceptions.OfType<FileNotFoundException>().Select(f => DependencyName(f.FileName)).FirstOrDefault();

    private static string DependencyName(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName))
            return "(unnamed)";
        try
        {
            return new AssemblyName(fileName).Name + ".dll";
        }
        catch (Exception e) when (e is ArgumentException or FileLoadException)
        {
            return fileName;
        }
    }

    private static (LoadedPlugin?, IReadOnlyList<PluginProblem>) Fail(string folder, string file, string cause) =>
        (null, [new PluginProblem(folder, file, cause)]);
}
