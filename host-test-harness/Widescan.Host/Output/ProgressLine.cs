using System.Globalization;
using Widescan.Contracts;

namespace Widescan.Host.Output;

/// <summary>
/// One live status line on a terminal's stderr, rewritten in place with '\r'. Not used when stderr is
/// redirected: a log file wants the plugin's periodic plain statistics line, not carriage returns.
/// </summary>
internal sealed class ProgressLine
{
    private readonly TextWriter stderr;
    private int shown;

    private ProgressLine(TextWriter stderr) => this.stderr = stderr;

    /// <summary>A progress line on <paramref name="stderr"/> when it is the console's and a terminal; otherwise null.</summary>
    public static ProgressLine? ForTerminal(TextWriter stderr) =>
        ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected ? new ProgressLine(stderr) : null;

    /// <summary>Replaces the line with the latest counters.</summary>
    public void Show(ScanProgress progress)
    {
        var text = Format(progress);
        // Pad over the previous text, which may have been longer, and leave the cursor at the start
        // of the line: a log line the plugin writes meanwhile then overwrites the status instead of
        // running on after it.
        stderr.Write("\r" + text.PadRight(shown) + "\r");
        stderr.Flush();
        shown = text.Length;
    }

    /// <summary>Blanks the line, before anything else is written to stderr.</summary>
    public void Clear()
    {
        if (shown == 0)
            return;
        stderr.Write("\r" + new string(' ', shown) + "\r");
        stderr.Flush();
        shown = 0;
    }

    /// <summary>The status text: sent and rate, answers, and for a scan the cursor and the time left.</summary>
    public static string Format(ScanProgress p)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"sent {p.ProbesSent} ({p.SendRate:F0} pps), alive {p.Alive}, peers {p.Peers}, probed by {p.ProbesReceived}");
        if (p.Positions > 0)
            text += string.Create(CultureInfo.InvariantCulture, $", cursor {p.Cursor}/{p.Positions} ({100.0 * p.Cursor / p.Positions:F1}%)");
        if (p.Remaining is { } left)
            text += ", ETA " + Duration(left);
        return text;
    }

    private static string Duration(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(long)t.TotalHours}h{t.Minutes:00}m")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}m{t.Seconds:00}s");
}
