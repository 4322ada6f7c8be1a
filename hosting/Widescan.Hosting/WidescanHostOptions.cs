using System.ComponentModel.DataAnnotations;
using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// What <see cref="Microsoft.Extensions.DependencyInjection.WidescanServiceCollectionExtensions.AddWidescan(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/>
/// configures: the discovery options (<see cref="Discovery"/>) and what the host runs with them. In
/// configuration both sit in one section: the discovery options' names (<c>Rate</c>, <c>ServicePort</c>,
/// <c>Targets:Include:0</c>, ...) beside the host's (<c>Listen</c>, <c>ScanInterval</c>, ...).
/// Validated when the host starts, every problem at once.
/// </summary>
public sealed class WidescanHostOptions
{
    /// <summary>
    /// The discovery options every run starts from. A listener runs them with
    /// <see cref="WidescanOptions.ListenOnly"/>; a scheduled scan scans their
    /// <see cref="WidescanOptions.Targets"/>; an on-demand scan replaces the targets with its own.
    /// The host sets <see cref="WidescanOptions.LogSink"/> and <see cref="WidescanOptions.MeterFactory"/>.
    /// </summary>
    public WidescanOptions Discovery { get; set; } = new();

    /// <summary>Run a long-lived listener (answering probes, reporting peers) while the host runs.</summary>
    public bool Listen { get; set; }

    /// <summary>
    /// Scan <see cref="WidescanOptions.Targets"/> of <see cref="Discovery"/> every interval, the first
    /// time at start (at least one second). Null: only on-demand scans (<see cref="IWidescanScanner"/>).
    /// </summary>
    public TimeSpan? ScanInterval { get; set; }

    /// <summary>
    /// How long to wait before restarting a listener that failed (its interface went away, say). A
    /// missing privilege (CAP_NET_RAW) is never retried: the health check reports it.
    /// </summary>
    public TimeSpan ListenerRestartDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many peers <see cref="IWidescanPeers.ReadAllAsync"/> holds for a host that reads slowly;
    /// past it a peer is not queued, it is counted (<see cref="IWidescanPeers.Dropped"/>), logged and
    /// the health check turns degraded. 0: no stream (peers go to <see cref="IWidescanPeerHandler"/>s only).
    /// </summary>
    [Range(0, 1_000_000)]
    public int PeerBufferCapacity { get; set; } = 1024;

    /// <summary>
    /// Read <see cref="WidescanOptions.NetworkKey"/> (and, on a second line, <see cref="WidescanOptions.NextNetworkKey"/>)
    /// from this file at start: hex digits (what <c>openssl rand -hex 32</c> writes) or raw key bytes.
    /// </summary>
    public string? NetworkKeyFile { get; set; }

    /// <summary>Read <see cref="WidescanOptions.NetworkKey"/> from this environment variable at start (hex or base64).</summary>
    public string? NetworkKeyEnvironmentVariable { get; set; }

    /// <summary>
    /// Let the plugin write its own console lines as well. Off by default: its events reach the
    /// host's ILogger (category "Widescan"), whose console shows them once.
    /// </summary>
    public bool PluginConsole { get; set; }

    /// <summary>Problems the configuration binding found (unknown keys, values that do not parse), reported by validation.</summary>
    internal List<string> BindingErrors { get; } = [];
}
