namespace Widescan.Contracts;

/// <summary>
/// The MEF metadata every Widescan export carries, given with
/// <c>[ExportMetadata("Name", "cpu")]</c>, <c>[ExportMetadata("Kind", PartKinds.Generator)]</c> and
/// <c>[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]</c>.
/// Hosts import <c>Lazy&lt;IAddressGenerator, PartMetadata&gt;</c> to choose a part by name without
/// creating the others.
/// </summary>
public sealed class PartMetadata
{
    /// <summary>The part's name, unique within its kind ("cpu", "gpu", "discovery").</summary>
    public string Name { get; set; } = "";

    /// <summary>One of <see cref="PartKinds"/>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>
    /// The contracts the part was built for (<see cref="ContractsVersion.MetadataName"/>, "0.1"), or empty
    /// for a part built before parts carried it; a host refuses a part built for newer contracts
    /// (<see cref="ContractsVersion.Supports"/>).
    /// </summary>
    [System.ComponentModel.DefaultValue("")]
    public string ContractsVersion { get; set; } = "";
}

/// <summary>The kinds of part a Widescan plugin exports.</summary>
public static class PartKinds
{
    /// <summary>An <see cref="IAddressGenerator"/>.</summary>
    public const string Generator = "generator";

    /// <summary>An <see cref="IDiscoveryModule"/>.</summary>
    public const string Module = "module";

    /// <summary>A probe sender.</summary>
    public const string Broadcaster = "broadcaster";

    /// <summary>A capture of answers and probes.</summary>
    public const string Listener = "listener";
}
