using Serilog;
using Widescan.Contracts;
using Widescan.Host.Input;
using Widescan.Host.Output;

namespace Widescan.Host.Commands;

/// <summary>
/// Runs one module to its <see cref="ScanFinished"/>: results to the writer, progress to the live
/// line, the summary to stderr, and every way it can fail to one line and an exit code.
/// </summary>
internal sealed class DiscoveryDriver
{
    // sysexits' EX_NOPERM, which a plugin may carry as the HResult of an UnauthorizedAccessException.
    private const int NoPermissionHResult = 77;

    private readonly string command;
    private readonly TextWriter stderr;
    private readonly Func<ResultWriter>? openResults;
    private readonly ProgressLine? progress;
    private ResultWriter? results;

    /// <param name="command">The prefix of every line, "widescan scan" or "widescan listen".</param>
    /// <param name="stderr">Where errors and the summary go.</param>
    /// <param name="results">Where live hosts and peers go.</param>
    /// <param name="progress">The live status line, when stderr is a terminal.</param>
    public DiscoveryDriver(string command, TextWriter stderr, ResultWriter results, ProgressLine? progress)
    {
        this.command = command;
        this.stderr = stderr;
        this.results = results;
        this.progress = progress;
    }

    /// <summary>
    /// A driver that opens its results only at the module's first event, once the module's own checks
    /// (options, privileges, interface, listener) have passed: a run that fails before that leaves the
    /// output as it was.
    /// </summary>
    /// <param name="command">The prefix of every line.</param>
    /// <param name="stderr">Where errors and the summary go.</param>
    /// <param name="openResults">Opens the results; its exception ends the run as a failure.</param>
    /// <param name="progress">The live status line, when stderr is a terminal.</param>
    public DiscoveryDriver(string command, TextWriter stderr, Func<ResultWriter> openResults, ProgressLine? progress)
    {
        this.command = command;
        this.stderr = stderr;
        this.openResults = openResults;
        this.progress = progress;
    }

    /// <summary>
    /// The exit code: 0 complete, 3 finished with losses, 130 stopped by a signal, 2 invalid options,
    /// 77 no privilege, 1 anything else (an output error, a listener that went deaf, a plugin failure).
    /// </summary>
    /// <param name="module">The discovery module.</param>
    /// <param name="options">Its options, checked already.</param>
    /// <param name="token">Cancelled by the first signal.</param>
    /// <param name="interrupted">Whether a signal cancelled the run (the exit code is 130 then).</param>
    public async Task<int> RunAsync(IDiscoveryModule module, WidescanOptions options, CancellationToken token, Func<bool> interrupted)
    {
        DiscoverySummary? summary = null;
        try
        {
            var started = false;
            await foreach (var e in module.RunAsync(options, token).ConfigureAwait(false))
            {
                var results = this.results ??= openResults!();
                if (!started)
                {
                    // The first record, once the module has started (a run refused for its options or
                    // a privilege writes nothing) and before it sends (it waits for the host to take
                    // its first event): an output that cannot be written fails here.
                    // A scan's first event is its plan (ScanPlanned), whose fingerprint labels the run.
                    started = true;
                    var plan = e as ScanPlanned;
                    if (plan is not null)
                        Log.Information("Plan {Fingerprint}, shard {Shard}: positions {Start} to {Positions}", plan.Fingerprint, plan.Shard.ToString(), plan.StartCursor, plan.Positions);
                    results.WriteRun(command.Replace("widescan ", "", StringComparison.Ordinal), options, DateTimeOffset.UtcNow, plan?.Fingerprint);
                }

                switch (e)
                {
                    case CheckpointReached:
                        // Durable before the module, on the next MoveNext, saves the state.
                        results.Checkpoint();
                        break;
                    case HostAlive alive:
                        results.Write(alive);
                        break;
                    case PeerDiscovered peer:
                        results.Write(peer);
                        break;
                    case TargetUnreachable unreachable:
                        results.Write(unreachable);
                        break;
                    case PrefixAliased aliased:
                        results.Write(aliased);
                        break;
                    case PeerSeen seen:
                        results.Write(seen);
                        break;
                    case PeerExpired expired:
                        results.Write(expired);
                        break;
                    case CellProgress cells:
                        results.Write(cells);
                        break;
                    case ProbeReceived probe:
                        progress?.Clear();
                        Log.Information("probed by {Address} node {NodeId}, answered: {Answered}",
                            Ipv6Address.Format(probe.Address), probe.NodeId.ToString(), probe.Answered);
                        results.FlushIfDue();
                        break;
                    case ProgressReported report:
                        progress?.Show(report.Progress);
                        results.FlushIfDue();
                        break;
                    case ScanFinished finished:
                        summary = finished.Summary;
                        results.WriteSummary(summary, Status(summary, interrupted()), finished.Time);
                        break;
                }
            }

            results?.Checkpoint();
        }
        catch (OutputException e)
        {
            // Nothing more can be written there: the run is stopped (leaving the loop cancelled the
            // module), and the state stays at the last checkpoint, whose results are on disk.
            progress?.Clear();
            Log.Debug(e, "{Command}: output failed", command);
            stderr.WriteLine($"{command}: {e.Message}; the run stopped{(options.StatePath is { } state ? $", and {state} points at the results on disk: free space and resume" : "")}");
            return ExitCodes.Failure;
        }
        catch (WidescanOptionsException e)
        {
            progress?.Clear();
            ErrorReport.Write(stderr, command, e.Errors);
            return ExitCodes.Usage;
        }
        catch (TargetSpecException e)
        {
            // The generator read the targets files when the run opened: every bad line, in the CLI's flags.
            progress?.Clear();
            ErrorReport.Write(stderr, command, e.Errors.Select(TargetOptions.Flags).ToList());
            return ExitCodes.Usage;
        }
        catch (MissingPrivilegeException e)
        {
            return NoPermission(e);
        }
        catch (UnauthorizedAccessException e) when (e.HResult == NoPermissionHResult)
        {
            return NoPermission(e);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            progress?.Clear();
            stderr.WriteLine($"{command}: stopped before the module reported its summary");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            // One line on the console; the stack trace only in the log, for whoever asks for Debug.
            progress?.Clear();
            Log.Debug(e, "{Command} failed", command);
            stderr.WriteLine($"{command}: {Printable.Escape(e.Message)}");
            return ExitCodes.Failure;
        }

        progress?.Clear();
        if (summary is null)
        {
            stderr.WriteLine($"{command}: the module ended without its summary (a plugin bug)");
            return interrupted() ? ExitCodes.Interrupted : ExitCodes.Failure;
        }

        stderr.WriteLine(SummaryLine.Format(command, summary, options.ListenOnly, options.StatePath));
        if (options.DryRunPath is { } dryRun && !options.ListenOnly)
            stderr.WriteLine($"{command}: dry run: {summary.ProbesSent} probes written to {dryRun}, none sent, nothing listened");
        foreach (var line in Warnings(summary))
            stderr.WriteLine($"{command}: {line}");
        return Status(summary, interrupted()) switch
        {
            DiscoveryStatus.Complete => ExitCodes.Ok,
            DiscoveryStatus.Incomplete => ExitCodes.Losses,
            DiscoveryStatus.Interrupted => ExitCodes.Interrupted,
            _ => ExitCodes.Failure,
        };
    }

    /// <summary>The module's status, or interrupted when a signal stopped a run the module still called complete.</summary>
    private static DiscoveryStatus Status(DiscoverySummary summary, bool interrupted) =>
        interrupted && summary.Status == DiscoveryStatus.Complete ? DiscoveryStatus.Interrupted : summary.Status;

    /// <summary>Each loss with the fix that applies, a rate shortfall with its reason, a failure: in flags, for this command line.</summary>
    private IEnumerable<string> Warnings(DiscoverySummary summary)
    {
        var lost = summary.Lost;
        if (lost.Consumer > 0)
        {
            yield return (results?.Destination ?? "stdout") == "stdout"
                ? $"{lost.Consumer} answers lost: the consumer of results fell behind (whatever reads stdout): write to a file with --output"
                : $"{lost.Consumer} answers lost: writing results to {results?.Destination} fell behind: write to a faster disk, or lower --rate";
        }

        if (lost.Kernel > 0)
            yield return $"{lost.Kernel} answers lost: the kernel dropped them because the listener fell behind the wire: lower --rate, or leave a core free";
        if (lost.Capture > 0)
            yield return $"{lost.Capture} answers lost: still in the capture when the run ended: lower --rate, or give --probes 2";
        if (summary.RateShortfall is { } why)
            yield return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"warning: sent at {summary.RateAchieved:F0} pps of the --rate {summary.RateRequested} asked for: {why}");
        if (summary.Failure is { } failure)
            yield return $"failed: {failure}";
    }

    private int NoPermission(Exception e)
    {
        progress?.Clear();
        Log.Debug(e, "{Command}: missing privilege", command);
        stderr.WriteLine($"widescan: {Printable.Escape(e.Message)}");
        return ExitCodes.NoPermission;
    }
}
