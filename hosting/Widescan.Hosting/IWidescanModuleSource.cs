using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// Something that finds the discovery module for the host instead of the host making it (a
/// plugin-folder loader: Widescan.Hosting.Plugins' UsePluginFolder), registered with
/// <see cref="WidescanBuilder.UseModuleSource"/>. When it finds none, it knows why better than anyone:
/// the start then fails listing its <see cref="Problems"/> (beside the option problems) and nothing
/// generic about a missing module.
/// </summary>
public interface IWidescanModuleSource
{
    /// <summary>The module found, or null when there is none (then <see cref="Problems"/> says why).</summary>
    IDiscoveryModule? Module { get; }

    /// <summary>
    /// What went wrong while looking, one line each, in the host's terms (file, cause, fix). With a
    /// <see cref="Module"/> these are the source's to log as warnings; without one, the reasons the start fails.
    /// </summary>
    IReadOnlyList<string> Problems { get; }
}
