using Widescan.Contracts;

namespace Widescan.Bootstrap;

/// <summary>Wraps the registered discovery module, however it was registered, in an <see cref="ObservedModule"/>.</summary>
internal static class ModuleObservation
{
    /// <summary>Call after UseModule or UsePluginFolder: the last IDiscoveryModule registration is the one that runs.</summary>
    public static void ObserveModule(this IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IDiscoveryModule))
            ?? throw new InvalidOperationException("no IDiscoveryModule is registered yet: call UseModule or UsePluginFolder first");
        Func<IServiceProvider, IDiscoveryModule?> inner = registered switch
        {
            { ImplementationInstance: IDiscoveryModule module } => _ => module,
            { ImplementationFactory: { } factory } => sp => (IDiscoveryModule?)factory(sp),
            _ => throw new InvalidOperationException($"the IDiscoveryModule registration ({registered}) is neither an instance nor a factory"),
        };
        services.Remove(registered);

        // A source that found no module gives null, as before: Widescan.Hosting's validation then
        // fails the start with the source's own reasons.
        services.AddSingleton(sp => inner(sp) is { } module ? new ObservedModule(module, sp.GetRequiredService<RunObserver>()) : (IDiscoveryModule)null!);
    }
}
