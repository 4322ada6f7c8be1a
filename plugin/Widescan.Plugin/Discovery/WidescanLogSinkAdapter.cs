using System.Globalization;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// A Serilog sink that hands each event to the host's <see cref="IWidescanLogSink"/>
/// (<see cref="WidescanOptions.LogSink"/>) as a BCL-only <see cref="WidescanLogEntry"/>: Serilog stays
/// the plugin's logging core, and the host's ILogger sees what the console would show.
/// </summary>
internal sealed class WidescanLogSinkAdapter(IWidescanLogSink sink) : ILogEventSink
{
    public void Emit(LogEvent logEvent)
    {
        var properties = new List<KeyValuePair<string, object?>>(logEvent.Properties.Count);
        string source = WidescanLogEntry.DefaultSource;
        foreach (var (name, value) in logEvent.Properties)
        {
            if (name == Constants.SourceContextPropertyName && value is ScalarValue { Value: string context })
            {
                source = context;
                continue;
            }

            properties.Add(new(name, value is ScalarValue scalar ? scalar.Value : value.ToString(null, CultureInfo.InvariantCulture)));
        }

        var entry = new WidescanLogEntry(
            logEvent.Timestamp,
            Level(logEvent.Level),
            logEvent.MessageTemplate.Text,
            logEvent.RenderMessage(CultureInfo.InvariantCulture),
            properties,
            logEvent.Exception,
            source);
        try
        {
            sink.Write(entry);
        }
        catch (Exception e)
        {
            // A host's sink that fails must not stop the run (nor its other sinks): Serilog's own
            // diagnostics channel says so, as it does for every failing sink.
            SelfLog.WriteLine("The host's Widescan log sink {0} failed: {1}", sink.GetType(), e);
        }
    }

    private static WidescanLogLevel Level(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => WidescanLogLevel.Verbose,
        LogEventLevel.Debug => WidescanLogLevel.Debug,
        LogEventLevel.Information => WidescanLogLevel.Information,
        LogEventLevel.Warning => WidescanLogLevel.Warning,
        _ => WidescanLogLevel.Error,
    };
}
