using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// The plugin's log events in the host's ILogger: one logger per source (category "Widescan" unless a
/// part names itself), the host's filters decide (IsEnabled), and the event's properties, its template
/// (<c>{OriginalFormat}</c>) and the run's name (<c>WidescanRun</c>) go along as structured state, so
/// two runs at once are told apart in the host's logs.
/// </summary>
internal sealed class LoggerLogSink(ILoggerFactory factory, string run) : IWidescanLogSink
{
    /// <summary>The property that names the run an event came from.</summary>
    public const string RunProperty = "WidescanRun";

    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public void Write(WidescanLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var logger = _loggers.GetOrAdd(entry.Source, factory.CreateLogger);
        var level = Level(entry.Level);
        if (!logger.IsEnabled(level))
            return;
        logger.Log(level, default, new State(entry, run), entry.Exception, static (s, _) => s.Entry.Message);
    }

    /// <summary>The lowest plugin level the host's "Widescan" logger takes, so the plugin renders nothing the host drops.</summary>
    public static WidescanLogLevel Floor(ILoggerFactory factory)
    {
        var logger = factory.CreateLogger(WidescanLogEntry.DefaultSource);
        foreach (var level in Enum.GetValues<WidescanLogLevel>())
        {
            if (logger.IsEnabled(Level(level)))
                return level;
        }

        return WidescanLogLevel.Error;
    }

    private static LogLevel Level(WidescanLogLevel level) => level switch
    {
        WidescanLogLevel.Verbose => LogLevel.Trace,
        WidescanLogLevel.Debug => LogLevel.Debug,
        WidescanLogLevel.Information => LogLevel.Information,
        WidescanLogLevel.Warning => LogLevel.Warning,
        _ => LogLevel.Error,
    };

    /// <summary>The structured state: the event's properties, then the run and the template, as LoggerMessage's state lists them.</summary>
    private sealed class State(WidescanLogEntry entry, string run) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public WidescanLogEntry Entry { get; } = entry;

        public int Count => Entry.Properties.Count + 2;

        public KeyValuePair<string, object?> this[int index] =>
            index < Entry.Properties.Count ? Entry.Properties[index]
            : index == Entry.Properties.Count ? new(RunProperty, run)
            : index == Entry.Properties.Count + 1 ? new("{OriginalFormat}", Entry.MessageTemplate)
            : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
                yield return this[i];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Entry.Message;
    }
}
