using System.Globalization;
using Widescan.Contracts;

namespace Widescan.Host.Output;

/// <summary>The one line a scan or listen ends with on stderr, from the module's <see cref="DiscoverySummary"/>.</summary>
internal static class SummaryLine
{
    /// <param name="command">The prefix, "widescan scan" or "widescan listen".</param>
    /// <param name="summary">The module's summary.</param>
    /// <param name="listenOnly">A listen sends nothing, so its line has no probes nor cursor.</param>
    /// <param name="statePath">--state, named in the hint to resume; null when none was set.</param>
    public static string Format(string command, DiscoverySummary summary, bool listenOnly, string? statePath)
    {
        var seconds = summary.Duration.TotalSeconds;
        if (listenOnly)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{command}: listened {seconds:F2} s; {summary.Peers} peers, {summary.ProbesReceived} probes received, {summary.PacketsReceived} packets, {summary.Ignored} ignored{(summary.Status == DiscoveryStatus.Failed ? " (failed)" : summary.Cancelled ? " (cancelled)" : "")}");
        }

        // The rate is the sending phase's (the run also listens before and after); without it, the run's.
        var sending = summary.SendDuration > TimeSpan.Zero ? summary.SendDuration.TotalSeconds : seconds;
        var rate = sending > 0 ? summary.ProbesSent / sending : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"{command}: {summary.ProbesSent} probes sent in {sending:F2} s ({rate:F0} pps), run {seconds:F2} s{Failures(summary)}; {summary.Alive} alive, {summary.Peers} peers, {summary.Unreachable} unreachable{Overruled(summary)}, {summary.ProbesReceived} probes received, {summary.Ignored} ignored{Aliases(summary)}; cursor {summary.Cursor} of {summary.Positions} ({Ending(summary, statePath)}){(summary.PlanFingerprint is { } plan ? $"; plan {plan}" : "")}");
    }

    /// <summary>Live hosts not reported because their target also produced an error; nothing when none.</summary>
    private static string Overruled(DiscoverySummary summary) =>
        summary.AliveOverruled == 0 ? ""
            : string.Create(CultureInfo.InvariantCulture, $" ({summary.AliveOverruled} of them also answered: not reported alive)");

    /// <summary>What dealiasing did; nothing when it sent no alias probe (off, or no live host).</summary>
    private static string Aliases(DiscoverySummary summary) =>
        summary.AliasProbes == 0 && summary.AliasedPrefixes == 0 ? ""
            : string.Create(CultureInfo.InvariantCulture, $"; {summary.AliasedPrefixes} aliased prefixes ({summary.AliasedHosts} live hosts inside not reported, {summary.AliasProbes} alias probes)");

    private static string Failures(DiscoverySummary summary) =>
        (summary.SendFailures == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", {summary.SendFailures} failed (the kernel refused them or ENOBUFS outlasted the retries)"))
        + (summary.RateReductions == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", slowed {summary.RateReductions} times for the listener (lowest {summary.RateLowest} pps)"));

    private static string Ending(DiscoverySummary summary, string? statePath)
    {
        if (summary.Status == DiscoveryStatus.Failed)
            return "failed";
        if (summary.Status == DiscoveryStatus.Incomplete)
            return string.Create(CultureInfo.InvariantCulture, $"incomplete: {summary.Lost.Total} answers lost{(summary.RepliesDropped > 0 ? $", {summary.RepliesDropped} replies dropped by the kernel" : "")}");
        if (summary.Cursor >= summary.Positions)
            return summary.Cancelled ? "complete; cooldown cut short" : "complete";
        var resume = statePath is null ? "" : $"; resume with --state {statePath}";
        // Short of the end without a cancel: the module stopped on its own (the --max-probes cap, say).
        return (summary.Cancelled ? "cancelled" : "incomplete") + resume;
    }
}
