using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Widescan.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Widescan in a .NET host.</summary>
public static class WidescanServiceCollectionExtensions
{
    /// <summary>
    /// Adds Widescan with its options bound from a configuration section (the discovery options' names
    /// beside the host's: <see cref="WidescanHostOptions"/>). Every key is read by name with the
    /// contracts' parsers (trim- and AOT-safe); an unknown key or a value that does not parse fails
    /// the start with its path, with every other problem.
    /// </summary>
    public static WidescanBuilder AddWidescan(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        var builder = AddCore(services);
        services.AddSingleton<IConfigureOptions<WidescanHostOptions>>(new ConfigureNamedOptions<WidescanHostOptions>(
            Options.Options.DefaultName, o => WidescanConfigurationBinder.Bind(section, o)));
        return builder;
    }

    /// <summary>Adds Widescan configured in code.</summary>
    public static WidescanBuilder AddWidescan(this IServiceCollection services, Action<WidescanHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = AddCore(services);
        services.Configure(configure);
        return builder;
    }

    private static WidescanBuilder AddCore(IServiceCollection services)
    {
        services.AddOptions<WidescanHostOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WidescanHostOptions>, WidescanHostOptionsValidator>());
        services.TryAddSingleton<WidescanHealthState>();
        services.TryAddSingleton<WidescanPeers>();
        services.TryAddSingleton<IWidescanPeers>(sp => sp.GetRequiredService<WidescanPeers>());
        services.TryAddSingleton<WidescanRunner>();
        services.TryAddSingleton<IWidescanScanner>(sp => sp.GetRequiredService<WidescanRunner>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WidescanHostedService>());
        if (!services.Any(d => d.ServiceType == typeof(WidescanHealthCheck)))
        {
            services.AddSingleton<WidescanHealthCheck>();
            services.AddHealthChecks().AddCheck<WidescanHealthCheck>(WidescanHealthCheck.Name, tags: ["widescan"]);
        }

        return new WidescanBuilder(services);
    }
}
