using Serilog;

namespace Widescan.Plugin.Generation;

/// <summary>
/// The logger of the generators. Generators never print; they log here. Serilog lives in the plugin's
/// own load context, so a host's static Log does not reach it: whoever composes the plugin (the
/// discovery module, a test) sets <see cref="Logger"/>. Until then it is Serilog's silent default.
/// </summary>
internal static class GenerationLog
{
    /// <summary>The logger generators write to.</summary>
    public static ILogger Logger
    {
        get => logger ?? Log.Logger;
        set => logger = value;
    }

    private static ILogger? logger;
}
