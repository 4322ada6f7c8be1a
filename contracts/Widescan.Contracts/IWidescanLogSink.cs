namespace Widescan.Contracts;

/// <summary>
/// Where the plugin's log events go besides its console and file (<see cref="WidescanOptions.LogSink"/>):
/// a host forwards them to its own logging (Widescan.Hosting writes them to the host's ILogger). One
/// method, BCL types only, so that a host needs no logging library of the plugin's.
/// </summary>
/// <remarks>
/// Called on the plugin's threads, possibly from several runs at once: an implementation is
/// thread-safe and quick (it must not block on I/O). An exception it throws is caught and reported on
/// the plugin's own diagnostics channel; the run goes on.
/// </remarks>
public interface IWidescanLogSink
{
    /// <summary>Takes one log event at or above <see cref="LogOptions.MinimumLevel"/>.</summary>
    void Write(WidescanLogEntry entry);
}

/// <summary>One log event of the plugin.</summary>
/// <param name="Timestamp">When it was logged.</param>
/// <param name="Level">Its level.</param>
/// <param name="MessageTemplate">The message template, with named holes (<c>"Dry run: wrote {Probes} probes to {Path}"</c>).</param>
/// <param name="Message">The message rendered with its properties, as the console shows it.</param>
/// <param name="Properties">The template's values by name (scalars as themselves, anything else as text), in template order.</param>
/// <param name="Exception">The exception logged with it, or null.</param>
/// <param name="Source">What logged it: <see cref="WidescanLogEntry.DefaultSource"/> unless a part names itself.</param>
public sealed record WidescanLogEntry(
    DateTimeOffset Timestamp,
    WidescanLogLevel Level,
    string MessageTemplate,
    string Message,
    IReadOnlyList<KeyValuePair<string, object?>> Properties,
    Exception? Exception,
    string Source)
{
    /// <summary>The source of the plugin's log events that name no other: "Widescan".</summary>
    public const string DefaultSource = "Widescan";
}
