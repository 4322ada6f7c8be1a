using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// Scans on demand with the host's discovery options (<see cref="WidescanHostOptions.Discovery"/>)
/// and the given targets. Runs at once are allowed (beside the listener and the scheduled scans):
/// each has its own counters, logs (its <c>WidescanRun</c> name) and summary. Their peers also go to
/// <see cref="IWidescanPeers"/> and the <see cref="IWidescanPeerHandler"/>s.
/// </summary>
public interface IWidescanScanner
{
    /// <summary>
    /// Scans the targets to the end (or until cancelled: the summary then says Interrupted) and returns
    /// what was found. It holds every result in memory: for large scans use <see cref="RunAsync"/>.
    /// </summary>
    /// <exception cref="WidescanOptionsException">The targets (or the options with them) are invalid: every problem is listed.</exception>
    /// <exception cref="MissingPrivilegeException">The process lacks CAP_NET_RAW (and the options ask for no dry run).</exception>
    Task<WidescanScanResult> ScanAsync(TargetSpec targets, CancellationToken cancellationToken = default);

    /// <summary>Scans the targets, yielding each event as it happens; the last is <see cref="ScanFinished"/>.</summary>
    /// <exception cref="WidescanOptionsException">The targets (or the options with them) are invalid.</exception>
    IAsyncEnumerable<DiscoveryEvent> RunAsync(TargetSpec targets, CancellationToken cancellationToken = default);
}

/// <summary>What an on-demand scan found.</summary>
/// <param name="Run">The run's name in the logs (<c>WidescanRun</c>).</param>
/// <param name="Summary">The run's summary (counts, losses, cursor, status).</param>
/// <param name="Hosts">The live hosts.</param>
/// <param name="Peers">The Widescan peers.</param>
/// <param name="Unreachable">The targets an ICMPv6 error answered for.</param>
/// <param name="Aliased">The prefixes found aliased.</param>
public sealed record WidescanScanResult(
    string Run,
    DiscoverySummary Summary,
    IReadOnlyList<HostAlive> Hosts,
    IReadOnlyList<PeerDiscovered> Peers,
    IReadOnlyList<TargetUnreachable> Unreachable,
    IReadOnlyList<PrefixAliased> Aliased);
