using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Widescan.Hosting.Plugins;

/// <summary>
/// Fails the host's start (ValidateOnStart) when UsePluginFolder found no module, with every problem of
/// the folder at once beside the other option problems.
/// </summary>
internal sealed class PluginFolderValidator(IServiceProvider services) : IValidateOptions<WidescanHostOptions>
{
    public ValidateOptionsResult Validate(string? name, WidescanHostOptions options)
    {
        var folder = services.GetRequiredService<PluginFolderModule>();
        return folder.Module is not null
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(folder.Problems.Select(p => "UsePluginFolder: " + p));
    }
}
