using System.Globalization;
using Serilog;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// What a run says as it ends: the closing log line, each loss with the fix that applies to it, and a
/// send rate short of the one asked for with its reason. Nothing here changes how a run ends; the
/// summary's status does that.
/// </summary>
internal static class RunEnding
{
    /// <summary>Below this share of the requested rate the shortfall is reported.</summary>
    internal const double ShortfallRatio = 0.9;

    /// <summary>
    /// Why the achieved rate fell short of <paramref name="requested"/>, or null when it did not (or
    /// when sending was too short to judge: under a second, or fewer than 1,000 probes).
    /// </summary>
    public static string? Shortfall(long requested, long sent, TimeSpan sendDuration, long retries, int lanes, long reductions = 0)
    {
        if (requested <= 0 || sent < 1000 || sendDuration < TimeSpan.FromSeconds(1))
            return null;
        var achieved = sent / sendDuration.TotalSeconds;
        if (achieved >= requested * ShortfallRatio)
            return null;
        if (reductions > 0)
            return string.Create(CultureInfo.InvariantCulture, $"the listener fell behind: the pacing lowered the rate {reductions} time(s) so that its queue would not overflow");
        return retries > 0
            ? string.Create(CultureInfo.InvariantCulture, $"kernel back-pressure: the socket queue was full ({retries} back-offs on ENOBUFS/EAGAIN); the interface or the kernel cannot take more")
            : string.Create(CultureInfo.InvariantCulture, $"CPU bound: {lanes} send lane(s) on {Environment.ProcessorCount} core(s) went no faster; the kernel never pushed back");
    }

    /// <summary>Logs the end of the run and, as warnings or an error, everything that makes it less than complete.</summary>
    public static void Report(ILogger log, DiscoverySummary summary, bool cancelled)
    {
        log.Information(
            "Finished{Cancelled}: {Probes} probes ({Failures} failed) in {Seconds:F1} s; {Alive} alive, {Peers} peers, {Scanners} probes received, {Ignored} ignored; cursor {Cursor} of {Positions}; status {Status}",
            cancelled ? " (cancelled)" : "", summary.ProbesSent, summary.SendFailures, summary.Duration.TotalSeconds, summary.Alive, summary.Peers,
            summary.ProbesReceived, summary.Ignored, summary.Cursor, summary.Positions, summary.Status.ToString().ToLowerInvariant());
        if (summary.RepliesDropped > 0)
            log.Warning("The kernel dropped {Dropped} replies before the listener read them (its receive queue was full): they are missing from the results", summary.RepliesDropped);
        var lost = summary.Lost;
        if (lost.Consumer > 0)
            log.Warning("{Lost} answers were lost because the host read results too slowly (everything behind it filled): read the events faster, for example into a file", lost.Consumer);
        if (lost.Kernel > 0)
            log.Warning("{Lost} answers were dropped by the kernel because the listener fell behind the wire: lower WidescanOptions.Rate, or free a core for the listener", lost.Kernel);
        if (lost.Capture > 0)
            log.Warning("{Lost} answers were still in the capture when the run ended: lower WidescanOptions.Rate, or send ProbesPerTarget 2", lost.Capture);
        if (summary.RateShortfall is { } why)
            log.Warning("Sent at {Achieved:F0} pps of the {Requested} asked for: {Why}", summary.RateAchieved, summary.RateRequested, why);
        if (summary.Failure is { } failure)
            log.Error("The run failed: {Failure}", failure);
    }
}
