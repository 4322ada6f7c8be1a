namespace Widescan.Contracts;

/// <summary>
/// The version policy of the contracts. Their AssemblyVersion is Major.0.0.0 for every release of one
/// major version, so a plugin built against a newer minor version still loads in an older host's
/// contracts; each part then says in its export metadata (<see cref="MetadataName"/>) which contracts
/// it was built for, and a host refuses a part built for contracts newer than its own
/// (<see cref="Supports"/>) with a message instead of a MissingMethodException later.
/// </summary>
public static partial class ContractsVersion
{
    /// <summary>
    /// The export metadata that carries the version a part was built for:
    /// <c>[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]</c>, where the constant
    /// is compiled into the plugin, so it records the contracts the plugin was built against.
    /// </summary>
    public const string MetadataName = "ContractsVersion";

    /// <summary>The version of the contracts loaded at run time (the host's), Major.Minor.</summary>
    /// <remarks>A property, not the constant: read here, it is the loaded assembly's, not the caller's build's.</remarks>
    public static Version Loaded { get; } = Version.Parse(Current);

    /// <summary>
    /// Whether contracts of version <paramref name="builtFor"/> (a part's metadata) are served by the
    /// loaded ones: the same major version and a minor version no newer. Null or empty (a part built
    /// before the policy) is served. False, with the reason a host prints, otherwise.
    /// </summary>
    public static bool Supports(string? builtFor, out string? reason)
    {
        reason = null;
        if (string.IsNullOrEmpty(builtFor))
            return true;
        if (!Version.TryParse(builtFor, out var version))
        {
            reason = $"its {MetadataName} metadata '{builtFor}' is not a version (Major.Minor)";
            return false;
        }

        if (version.Major == Loaded.Major && new Version(version.Major, version.Minor) <= Loaded)
            return true;
        reason = $"was built for Widescan.Contracts {version.Major}.{version.Minor}, this host has {Loaded.Major}.{Loaded.Minor}";
        return false;
    }
}
