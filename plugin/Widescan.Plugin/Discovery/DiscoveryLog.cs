using System.Globalization;
using Serilog;
using Serilog.Events;
using Serilog.Sinks.SystemConsole.Themes;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The plugin's logger. Serilog lives in the plugin's own load context, so a host's static Log does not
/// reach it: the discovery module builds one per run from <see cref="LogOptions"/> (plain text, stderr
/// and optionally a file) and the generators write to it too.
/// </summary>
internal static class DiscoveryLog
{
    private const string Template = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";
    private static ILogger? s_logger;

    /// <summary>The logger of the current run; Serilog's silent default before any run.</summary>
    public static ILogger Logger => s_logger ?? Log.Logger;

    /// <summary>Builds the logger of a run and makes it current (for the generators too); dispose it at the end of the run.</summary>
    public static Serilog.Core.Logger Create(LogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = new LoggerConfiguration().MinimumLevel.Is(Level(options.MinimumLevel));
        if (options.Console)
        {
            configuration = configuration.WriteTo.Console(
                outputTemplate: Template, formatProvider: CultureInfo.InvariantCulture,
                standardErrorFromLevel: LogEventLevel.Verbose, theme: ConsoleTheme.None);
        }

        if (options.FilePath is { } path)
            configuration = configuration.WriteTo.File(path, outputTemplate: Template, formatProvider: CultureInfo.InvariantCulture);
        var logger = configuration.CreateLogger();
        s_logger = logger;
        Generation.GenerationLog.Logger = logger;
        return logger;
    }

    private static LogEventLevel Level(Contracts.LogLevel level) => level switch
    {
        Contracts.LogLevel.Verbose => LogEventLevel.Verbose,
        Contracts.LogLevel.Debug => LogEventLevel.Debug,
        Contracts.LogLevel.Information => LogEventLevel.Information,
        Contracts.LogLevel.Warning => LogEventLevel.Warning,
        _ => LogEventLevel.Error,
    };
}
