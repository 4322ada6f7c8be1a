using System.Composition;
using System.Reflection;
using Widescan.Contracts;

namespace Widescan.Hosting.Plugins;

/// <summary>
/// Lists a plugin assembly's MEF exports from its attributes. The attribute types are the host's own
/// (shared with every plugin), so a plugin built against another copy of System.Composition shows no
/// exports here, exactly as MEF would see none.
/// </summary>
internal static class ExportScanner
{
    /// <summary>Every class-level export of the assembly's concrete classes, in type-name order.</summary>
    /// <exception cref="ReflectionTypeLoadException">A type could not load (typically a missing dependency).</exception>
    public static IReadOnlyList<PluginExport> Scan(Assembly assembly)
    {
        var exports = new List<PluginExport>();
        foreach (var type in assembly.GetTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            if (!type.IsClass || type.IsAbstract)
                continue;
            var attributes = type.GetCustomAttributes<ExportAttribute>(inherit: false).ToList();
            if (attributes.Count == 0)
                continue;
            var metadata = type.GetCustomAttributes<ExportMetadataAttribute>(inherit: false)
                .GroupBy(m => m.Name, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().Value as string, StringComparer.Ordinal);
            foreach (var export in attributes)
            {
                var contract = export.ContractType ?? type;
                var name = metadata.GetValueOrDefault(nameof(PartMetadata.Name)) ?? export.ContractName ?? type.Name;
                var kind = metadata.GetValueOrDefault(nameof(PartMetadata.Kind)) ?? KindOf(contract);
                exports.Add(new PluginExport(name, kind, contract.FullName ?? contract.Name, type.FullName ?? type.Name));
            }
        }

        return exports;
    }

    /// <summary>
    /// The distinct <see cref="ContractsVersion.MetadataName"/> values of the assembly's exports (a part
    /// without one gives null), read from the attribute data, so that no attribute is created.
    /// </summary>
    public static IReadOnlyList<string?> ContractsVersions(Assembly assembly)
    {
        var versions = new HashSet<string?>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            var data = type.GetCustomAttributesData();
            if (!data.Any(d => d.AttributeType == typeof(ExportAttribute)))
                continue;
            versions.Add(data.Where(d => d.AttributeType == typeof(ExportMetadataAttribute)
                    && d.ConstructorArguments is [{ Value: ContractsVersion.MetadataName }, _])
                .Select(d => d.ConstructorArguments[1].Value as string).FirstOrDefault());
        }

        return [.. versions];
    }

    private static string KindOf(Type contract) =>
        contract == typeof(IAddressGenerator) ? PartKinds.Generator
        : contract == typeof(IDiscoveryModule) ? PartKinds.Module
        : "other";
}
