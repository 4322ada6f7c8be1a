using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// Checks <see cref="WidescanHostOptions"/> when the host starts (ValidateOnStart), and reports every
/// problem at once, in option names: what the binding could not read, the host's own ranges (the
/// source-generated <see cref="WidescanHostOptionsAnnotations"/>), the network key's source, the
/// discovery options (<see cref="WidescanOptions.Validate"/>) and whether a module is registered (when an
/// <see cref="IWidescanModuleSource"/> found none, its reasons instead).
/// </summary>
internal sealed class WidescanHostOptionsValidator(IServiceProvider services) : IValidateOptions<WidescanHostOptions>
{
    public ValidateOptionsResult Validate(string? name, WidescanHostOptions options)
    {
        var errors = new List<string>(options.BindingErrors);
        var annotations = new WidescanHostOptionsAnnotations().Validate(name, options);
        if (annotations.Failed)
            errors.AddRange(annotations.Failures);
        if (options.Discovery is null)
        {
            errors.Add("Discovery is null: leave it at its default or set a WidescanOptions");
            return ValidateOptionsResult.Fail(errors);
        }

        if (options.ScanInterval is { } interval && interval < TimeSpan.FromSeconds(1))
            errors.Add($"ScanInterval {interval} is shorter than a second: give the time between scheduled scans, or leave it unset for on-demand scans only");
        if (options.ScanInterval is not null && options.Discovery.Targets is null)
            errors.Add("ScanInterval is set but Targets is not: scheduled scans scan Targets; set them, or leave ScanInterval unset");
        if (options.ListenerRestartDelay < TimeSpan.Zero)
            errors.Add("ListenerRestartDelay must not be negative");

        var discovery = NetworkKeySources.Apply(options, errors);

        // Targets are optional here: a listener needs none and an on-demand scan brings its own.
        errors.AddRange((discovery with { ListenOnly = discovery.ListenOnly || discovery.Targets is null }).Validate());
        if (services.GetService<IDiscoveryModule>() is null)
        {
            // A source that found no module has said why (a plugin folder's own problems): only that.
            var why = services.GetService<IWidescanModuleSource>()?.Problems ?? [];
            if (why.Count > 0)
                errors.AddRange(why);
            else
                errors.Add("no IDiscoveryModule is registered: call UseModule on the builder AddWidescan returns (with the plugin's module, or a plugin-folder loader's)");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The DataAnnotations of <see cref="WidescanHostOptions"/>, checked by generated code (no reflection).</summary>
[OptionsValidator]
internal sealed partial class WidescanHostOptionsAnnotations : IValidateOptions<WidescanHostOptions>
{
}
