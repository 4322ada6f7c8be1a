using System.Globalization;
using System.Runtime.CompilerServices;
using Serilog;
using Serilog.Events;
using Serilog.Sinks.SystemConsole.Themes;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The plugin's loggers. Serilog lives in the plugin's own load context, so a host's static Log does
/// not reach it: the discovery module builds one per run from <see cref="LogOptions"/> (plain text,
/// stderr, optionally a file, and the host's WidescanOptions.LogSink), kept with the run's session, so that runs at once in one process
/// (a listener that never stops, scans now and then) each log to their own sinks. The generators,
/// which see no session, write to the newest run's.
/// </summary>
internal static class DiscoveryLog
{
    private const string Template = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";
    private static readonly ConditionalWeakTable<DiscoverySession, ILogger> s_loggers = new();

    /// <summary>The logger of a run; Serilog's silent default for a session no module made.</summary>
    public static ILogger For(DiscoverySession session) => s_loggers.TryGetValue(session, out var logger) ? logger : Log.Logger;

    /// <summary>
    /// Builds the logger of a run and keeps it with its session (and for the generators); dispose it at
    /// the end of the run. Besides the console and the file, the events go to the host's
    /// <paramref name="hostSink"/> when there is one (<see cref="WidescanOptions.LogSink"/>).
    /// </summary>
    public static Serilog.Core.Logger Create(LogOptions options, DiscoverySession session, IWidescanLogSink? hostSink = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(session);
        var configuration = new LoggerConfiguration().MinimumLevel.Is(Level(options.MinimumLevel));
        if (options.Console)
        {
            configuration = configuration.WriteTo.Console(
                outputTemplate: Template, formatProvider: CultureInfo.InvariantCulture,
                standardErrorFromLevel: LogEventLevel.Verbose, theme: ConsoleTheme.None);
        }

        if (options.FilePath is { } path)
            configuration = configuration.WriteTo.File(path, outputTemplate: Template, formatProvider: CultureInfo.InvariantCulture);
        if (hostSink is not null)
            configuration = configuration.WriteTo.Sink(new WidescanLogSinkAdapter(hostSink));
        var logger = configuration.CreateLogger();
        s_loggers.AddOrUpdate(session, logger);
        Generation.GenerationLog.Logger = logger;
        return logger;
    }

    private static LogEventLevel Level(WidescanLogLevel level) => level switch
    {
        WidescanLogLevel.Verbose => LogEventLevel.Verbose,
        WidescanLogLevel.Debug => LogEventLevel.Debug,
        WidescanLogLevel.Information => LogEventLevel.Information,
        WidescanLogLevel.Warning => LogEventLevel.Warning,
        _ => LogEventLevel.Error,
    };
}
