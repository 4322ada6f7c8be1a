using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// The background part of AddWidescan: the long-lived listener (<see cref="WidescanHostOptions.Listen"/>)
/// and the scheduled scans (<see cref="WidescanHostOptions.ScanInterval"/>), side by side. Nothing it
/// runs can stop the host: a failed listener is reported to the health check and restarted after
/// <see cref="WidescanHostOptions.ListenerRestartDelay"/> (never when a privilege is missing), a
/// failed scan is logged and the next one runs on time.
/// </summary>
internal sealed partial class WidescanHostedService(
    WidescanRunner runner,
    IOptions<WidescanHostOptions> options,
    WidescanHealthState health,
    WidescanPeers peers,
    ILogger<WidescanHostedService> log,
    TimeProvider? time = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var host = options.Value;
        var work = new List<Task>();
        if (host.Listen)
            work.Add(ListenAsync(host, stoppingToken));
        if (host.ScanInterval is { } interval)
            work.Add(ScheduleAsync(interval, stoppingToken));
        await Task.WhenAll(work).ConfigureAwait(false);
    }

    /// <summary>Stops the runs, then ends the peer stream (on-demand scans may publish until then).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        peers.Complete();
    }

    private async Task ListenAsync(WidescanHostOptions host, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var name = runner.NextName("listener");
            try
            {
                health.ListenerRunning();
                await foreach (var e in runner.RunAsync(name, runner.Listener(), stoppingToken).ConfigureAwait(false))
                {
                    if (e is ScanFinished { Summary: { Status: DiscoveryStatus.Failed } summary })
                        health.ListenerFailed(summary.Failure ?? "the listener failed");
                }

                if (stoppingToken.IsCancellationRequested)
                    return;
                if (health.ListenerFailure is null)
                    health.ListenerFailed("the listener ended (ListenDuration) and is restarted");
            }
            catch (MissingPrivilegeException e)
            {
                // A capability is not gained at run time: no retry, the health check says what to grant.
                health.ListenerFailed(e.Message);
                LogNoPrivilege(e.Privilege, e.Message);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                health.ListenerFailed(e.Message);
                LogListenerFailed(e, name, host.ListenerRestartDelay);
            }

            try
            {
                await Task.Delay(host.ListenerRestartDelay, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ScheduleAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        do
        {
            var targets = options.Value.Discovery.Targets!;
            try
            {
                await foreach (var _ in runner.RunAsync(runner.NextName("scheduled"), runner.Scan(targets), stoppingToken).ConfigureAwait(false))
                {
                    // Peers and losses are handed on by the runner; the rest is in the logs and the meter.
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogScanFailed(e, interval);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The Widescan listener cannot run without {Privilege}: {Reason}. The host goes on; the health check reports it")]
    private partial void LogNoPrivilege(string privilege, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The Widescan listener {Run} failed; it restarts in {Delay}")]
    private partial void LogListenerFailed(Exception exception, string run, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "A scheduled Widescan scan failed; the next runs in {Interval}")]
    private partial void LogScanFailed(Exception exception, TimeSpan interval);
}
