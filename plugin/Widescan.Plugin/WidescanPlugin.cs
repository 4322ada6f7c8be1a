using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Widescan.Contracts;
using Widescan.Plugin.Discovery;
using Widescan.Plugin.Generation;

namespace Widescan.Plugin;

/// <summary>
/// The plugin's parts for a host that references the Widescan.Plugin package directly (no plugins
/// folder, no McMaster loader, no MEF container): the same parts MEF composes from the plugin folder,
/// under the same names and metadata, so the same options choose them. With Widescan.Hosting:
/// <c>services.AddWidescan(configuration).UseModule(WidescanPlugin.CreateModule())</c>.
/// </summary>
/// <remarks>
/// Each call returns new parts, created only when the module first asks for one by name (as MEF's
/// <c>Lazy&lt;T, PartMetadata&gt;</c> exports are), so a host that never asks for the gpu generator
/// never touches ILGPU.
/// </remarks>
public static class WidescanPlugin
{
    /// <summary>The discovery module's name, as the plugin folder exports it.</summary>
    public const string ModuleName = "discovery";

    /// <summary>The discovery module over the plugin's own generators, broadcasters and listeners.</summary>
    public static IDiscoveryModule CreateModule() => CreateModule(Generators(), Broadcasters(), Listeners());

    /// <summary>
    /// The discovery module over the given parts, chosen by name as the options say
    /// (<see cref="WidescanOptions.Generator"/>, <see cref="WidescanOptions.Broadcaster"/>,
    /// <see cref="WidescanOptions.Listener"/>, through <see cref="PartLookup"/>). Pass the plugin's own
    /// lists with parts of the host's added to serve the module as another plugin's would.
    /// </summary>
    /// <param name="generators">The generators on offer, e.g. <see cref="Generators"/> and the host's.</param>
    /// <param name="broadcasters">The broadcasters on offer, e.g. <see cref="Broadcasters"/>.</param>
    /// <param name="listeners">The listeners on offer, e.g. <see cref="Listeners"/>.</param>
    public static IDiscoveryModule CreateModule(
        IEnumerable<Lazy<IAddressGenerator, PartMetadata>> generators,
        IEnumerable<Lazy<IProbeBroadcaster, PartMetadata>> broadcasters,
        IEnumerable<Lazy<IDiscoveryListener, PartMetadata>> listeners)
    {
        ArgumentNullException.ThrowIfNull(generators);
        ArgumentNullException.ThrowIfNull(broadcasters);
        ArgumentNullException.ThrowIfNull(listeners);
        return new DiscoveryModule(generators, broadcasters, listeners);
    }

    /// <summary>
    /// The plugin's generators: <c>auto</c> (a real GPU when one serves, else the CPU), <c>cpu</c> and
    /// <c>gpu</c>. Under Native AOT (no dynamic code) ILGPU cannot compile kernels, so <c>auto</c> is the
    /// CPU and <c>gpu</c> is a part that cannot serve and says why; the compiler then leaves ILGPU out.
    /// </summary>
    public static IReadOnlyList<Lazy<IAddressGenerator, PartMetadata>> Generators() =>
        // A feature switch that ILC folds to false: the GPU branch is not compiled into an AOT host,
        // which would otherwise inherit ILGPU's trim and AOT warnings (IL2026, IL3050).
        RuntimeFeature.IsDynamicCodeSupported
            ?
            [
                Part<IAddressGenerator>(PartKinds.Generator, "auto", () => new AutoAddressGenerator()),
                Part<IAddressGenerator>(PartKinds.Generator, "cpu", () => new CpuAddressGenerator()),
                Part<IAddressGenerator>(PartKinds.Generator, "gpu", () => new GpuAddressGenerator()),
            ]
            :
            [
                Part<IAddressGenerator>(PartKinds.Generator, "auto", () => new AutoWithoutGpu()),
                Part<IAddressGenerator>(PartKinds.Generator, "cpu", () => new CpuAddressGenerator()),
                Part<IAddressGenerator>(PartKinds.Generator, "gpu", () => new NoGpuUnderAot()),
            ];

    /// <summary>The plugin's broadcasters: <c>auto</c>, <c>raw</c> (a raw ICMPv6 socket) and <c>l2</c> (layer-2 frames).</summary>
    public static IReadOnlyList<Lazy<IProbeBroadcaster, PartMetadata>> Broadcasters() =>
    [
        Part<IProbeBroadcaster>(PartKinds.Broadcaster, "auto", () => new AutoProbeBroadcaster()),
        Part<IProbeBroadcaster>(PartKinds.Broadcaster, "raw", () => new RawProbeBroadcaster()),
        Part<IProbeBroadcaster>(PartKinds.Broadcaster, "l2", () => new Layer2ProbeBroadcaster()),
    ];

    /// <summary>The plugin's listeners: <c>capture</c> (libpcap) and <c>raw</c> (a raw ICMPv6 socket).</summary>
    public static IReadOnlyList<Lazy<IDiscoveryListener, PartMetadata>> Listeners() =>
    [
        Part<IDiscoveryListener>(PartKinds.Listener, "capture", () => new CaptureListener()),
        Part<IDiscoveryListener>(PartKinds.Listener, "raw", () => new RawSocketListener()),
    ];

    // Lazy<T, TMetadata> asks its T for a public parameterless constructor (IL2091 otherwise); the
    // contracts' interfaces satisfy that trivially.
    private static Lazy<T, PartMetadata> Part<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(string kind, string name, Func<T> create) =>
        new(create, new PartMetadata { Name = name, Kind = kind, ContractsVersion = ContractsVersion.Current });
}
