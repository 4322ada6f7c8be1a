using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// Runs the registered module for the listener and the scans: each run gets its own name, a log sink
/// to the host's ILogger tagged with that name, the host's IMeterFactory, and the network key of the
/// configured source; its peers go to the stream and the handlers, its losses to the health check.
/// </summary>
internal sealed partial class WidescanRunner(
    IServiceProvider services,
    IOptions<WidescanHostOptions> hostOptions,
    ILoggerFactory loggerFactory,
    WidescanPeers peers,
    WidescanHealthState health,
    IEnumerable<IWidescanPeerHandler> handlers,
    IEnumerable<IWidescanEventHandler> eventHandlers) : IWidescanScanner
{
    private readonly ILogger _log = loggerFactory.CreateLogger("Widescan.Hosting");
    private readonly IWidescanPeerHandler[] _handlers = [.. handlers];
    private readonly IWidescanEventHandler[] _eventHandlers = [.. eventHandlers];
    private int _runs;

    public async Task<WidescanScanResult> ScanAsync(TargetSpec targets, CancellationToken cancellationToken = default)
    {
        var name = NextName("scan");
        List<HostAlive> hosts = [];
        List<PeerDiscovered> found = [];
        List<TargetUnreachable> unreachable = [];
        List<PrefixAliased> aliased = [];
        DiscoverySummary? summary = null;
        await foreach (var e in RunAsync(name, Scan(targets), cancellationToken).ConfigureAwait(false))
        {
            switch (e)
            {
                case HostAlive h: hosts.Add(h); break;
                case PeerDiscovered p: found.Add(p); break;
                case TargetUnreachable u: unreachable.Add(u); break;
                case PrefixAliased a: aliased.Add(a); break;
                case ScanFinished f: summary = f.Summary; break;
            }
        }

        return new WidescanScanResult(name, summary ?? throw new InvalidOperationException($"the module's run {name} ended without its ScanFinished event"), hosts, found, unreachable, aliased);
    }

    public IAsyncEnumerable<DiscoveryEvent> RunAsync(TargetSpec targets, CancellationToken cancellationToken = default) =>
        RunAsync(NextName("scan"), Scan(targets), cancellationToken);

    /// <summary>
    /// The options of a scan of these targets. A scan never claims rendezvous addresses: they are the
    /// listener's, and a scan claiming the same address would remove it from the interface when it ends
    /// (the kernel holds one copy), under the long-lived listener.
    /// </summary>
    public WidescanOptions Scan(TargetSpec targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var options = Base();
        return options with { Targets = targets, ListenOnly = false, Rendezvous = options.Rendezvous with { Enabled = false } };
    }

    /// <summary>The options of the long-lived listener.</summary>
    public WidescanOptions Listener() => Base() with { ListenOnly = true, DryRunPath = null };

    /// <summary>A new run's name: "listener-1", "scan-2", ...</summary>
    public string NextName(string kind) => $"{kind}-{Interlocked.Increment(ref _runs)}";

    /// <summary>Runs the module with these options, handing peers and losses on as they come.</summary>
    public async IAsyncEnumerable<DiscoveryEvent> RunAsync(string name, WidescanOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var module = services.GetService<IDiscoveryModule>()
            ?? throw new InvalidOperationException("no IDiscoveryModule is registered: call UseModule on the builder AddWidescan returns");
        var host = hostOptions.Value;
        var run = options with
        {
            LogSink = new LoggerLogSink(loggerFactory, name),
            MeterFactory = services.GetService<IMeterFactory>(),
            Log = options.Log with
            {
                Console = options.Log.Console && host.PluginConsole,
                MinimumLevel = (WidescanLogLevel)Math.Max((int)options.Log.MinimumLevel, (int)LoggerLogSink.Floor(loggerFactory)),
            },
        };
        LogStarting(name, run.ListenOnly ? "listener" : "scan");
        await foreach (var e in module.RunAsync(run, cancellationToken).ConfigureAwait(false))
        {
            if (e is PeerDiscovered peer)
                await Deliver(name, peer, cancellationToken).ConfigureAwait(false);
            else if (e is PeerSeen or PeerExpired)
                await DeliverChange(name, e, cancellationToken).ConfigureAwait(false);
            else if (e is ScanFinished { Summary: var summary })
            {
                health.AddLost(summary.Lost.Total);
                LogFinished(name, summary.Status, summary.ProbesSent, summary.Alive, summary.Peers, summary.Lost.Total);
            }

            await Observe(name, e, cancellationToken).ConfigureAwait(false);
            yield return e;
        }
    }

    private WidescanOptions Base()
    {
        var errors = new List<string>();
        var options = NetworkKeySources.Apply(hostOptions.Value, errors);
        if (errors.Count > 0)
            throw new WidescanOptionsException(errors); // the key's source changed since the start (a file removed)
        return options;
    }

    private async ValueTask Deliver(string name, PeerDiscovered peer, CancellationToken cancellationToken)
    {
        foreach (var handler in _handlers)
        {
            try
            {
                await handler.OnPeerAsync(peer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogHandlerFailed(e, handler.GetType().Name, Ipv6Address.Format(peer.Address), name);
            }
        }

        // After the handlers: a reader of the stream that sees a peer finds it in the host's table too.
        peers.Publish(peer);
    }

    private async ValueTask DeliverChange(string name, DiscoveryEvent change, CancellationToken cancellationToken)
    {
        foreach (var handler in _handlers)
        {
            try
            {
                await (change is PeerSeen seen
                    ? handler.OnPeerSeenAsync(seen, cancellationToken)
                    : handler.OnPeerExpiredAsync((PeerExpired)change, cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogHandlerFailed(e, handler.GetType().Name, Ipv6Address.Format(change is PeerSeen s ? s.Address : ((PeerExpired)change).Address), name);
            }
        }
    }

    private async ValueTask Observe(string name, DiscoveryEvent e, CancellationToken cancellationToken)
    {
        foreach (var handler in _eventHandlers)
        {
            try
            {
                await handler.OnEventAsync(name, e, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                LogEventHandlerFailed(failure, handler.GetType().Name, e.GetType().Name, name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The event handler {Handler} failed on {Event} of {Run}; the run goes on")]
    private partial void LogEventHandlerFailed(Exception exception, string handler, string @event, string run);

    [LoggerMessage(Level = LogLevel.Information, Message = "Widescan {Run} starts ({Kind})")]
    private partial void LogStarting(string run, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Widescan {Run} ended {Status}: {Probes} probes, {Alive} alive, {Peers} peers, {Lost} results lost")]
    private partial void LogFinished(string run, DiscoveryStatus status, ulong probes, ulong alive, ulong peers, ulong lost);

    [LoggerMessage(Level = LogLevel.Error, Message = "The peer handler {Handler} failed on {Address} of {Run}; the run goes on")]
    private partial void LogHandlerFailed(Exception exception, string handler, string address, string run);
}
