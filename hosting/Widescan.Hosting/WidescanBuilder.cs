using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// What <see cref="WidescanServiceCollectionExtensions.AddWidescan(IServiceCollection, Action{WidescanHostOptions})"/>
/// returns: where the host says which discovery module runs (the plugin's, referenced directly by an
/// AOT host, or one a plugin-folder loader found) and who takes the peers.
/// </summary>
public sealed class WidescanBuilder
{
    internal WidescanBuilder(IServiceCollection services) => Services = services;

    /// <summary>The host's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Runs this module (replacing any registered before).</summary>
    public WidescanBuilder UseModule(IDiscoveryModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        Services.Replace(ServiceDescriptor.Singleton(module));
        return this;
    }

    /// <summary>Runs the module this factory makes, once, when it is first needed (at start, by validation).</summary>
    public WidescanBuilder UseModule(Func<IServiceProvider, IDiscoveryModule> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(factory));
        return this;
    }

    /// <summary>
    /// Runs the module that <paramref name="factory"/>'s source finds (made once, when the module is first
    /// needed: at start, by validation), replacing any module or source registered before. When the
    /// source finds none, the start fails with the source's <see cref="IWidescanModuleSource.Problems"/>.
    /// The host's services own the source: one that is <see cref="IDisposable"/> is disposed with them.
    /// </summary>
    public WidescanBuilder UseModuleSource(Func<IServiceProvider, IWidescanModuleSource> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(factory));

        // Null when the source found nothing: the validator then fails the start with its reasons.
        return UseModule(sp => sp.GetRequiredService<IWidescanModuleSource>().Module!);
    }

    /// <summary>Adds a peer handler (a singleton); every handler gets every peer.</summary>
    public WidescanBuilder AddPeerHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>()
        where THandler : class, IWidescanPeerHandler
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IWidescanPeerHandler, THandler>());
        return this;
    }

    /// <summary>Adds this peer handler; every handler gets every peer.</summary>
    public WidescanBuilder AddPeerHandler(IWidescanPeerHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Services.AddSingleton(handler);
        return this;
    }

    /// <summary>Adds an event handler (a singleton); every handler gets every event of every run.</summary>
    public WidescanBuilder AddEventHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>()
        where THandler : class, IWidescanEventHandler
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IWidescanEventHandler, THandler>());
        return this;
    }

    /// <summary>Adds this event handler; every handler gets every event of every run.</summary>
    public WidescanBuilder AddEventHandler(IWidescanEventHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Services.AddSingleton(handler);
        return this;
    }

    /// <summary>Changes the options after they are bound (in code, after configuration).</summary>
    public WidescanBuilder Configure(Action<WidescanHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }
}
