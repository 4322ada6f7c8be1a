using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Widescan.Contracts;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.HostingPackage;

/// <summary>A generic host with Widescan, its logs collected, no default providers (no console, no appsettings).</summary>
internal static class TestHosts
{
    public static (IHost Host, CollectingLoggerProvider Logs) Build(Action<IServiceCollection> services, LogLevel minimum = LogLevel.Trace)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var logs = new CollectingLoggerProvider();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(minimum);
        builder.Services.AddMetrics();
        services(builder.Services);
        return (builder.Build(), logs);
    }

    /// <summary>A /120 of documentation space (256 targets), which the blocklist lets through only when asked.</summary>
    public static TargetSpec Targets(string prefix = "2001:db8:100::/120") =>
        new() { Include = [Ipv6Prefix.Parse(prefix)], AllowReserved = true, Seed = 0x5eed };
}

/// <summary>Every log event the host's ILogger takes, with its structured state.</summary>
internal sealed class CollectingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogRecord> Records { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CollectingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = state is IReadOnlyList<KeyValuePair<string, object?>> list ? list.ToDictionary(p => p.Key, p => p.Value) : [];
            provider.Records.Enqueue(new LogRecord(category, logLevel, formatter(state, exception), properties));
        }
    }
}

internal sealed record LogRecord(string Category, LogLevel Level, string Message, Dictionary<string, object?> Properties)
{
    public string? Run => Properties.TryGetValue("WidescanRun", out var run) ? run as string : null;
}

/// <summary>A module that plays a script of events, or throws, and records the options it was given.</summary>
internal sealed class ScriptedModule(Func<WidescanOptions, IEnumerable<DiscoveryEvent>> script) : IDiscoveryModule
{
    public ConcurrentQueue<WidescanOptions> Runs { get; } = new();

    public string Name => "discovery";

    public async IAsyncEnumerable<DiscoveryEvent> RunAsync(WidescanOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options.EnsureValid();
        Runs.Enqueue(options);
        foreach (var e in script(options))
        {
            await Task.Yield();
            yield return e;
        }

        if (options.ListenOnly)
        {
            // A listener runs until it is stopped, as the plugin's does.
            await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            yield return Finished(new DiscoverySummary { Status = DiscoveryStatus.Interrupted, Cancelled = true });
        }
    }

    public static ScanFinished Finished(DiscoverySummary summary) => new(DateTimeOffset.UtcNow, summary);

    public static PeerDiscovered Peer(int n) =>
        new(DateTimeOffset.UtcNow, Ipv6Address.Parse($"2001:db8:2::{n:x}"), new NodeId((UInt128)n), 30303, PeerDiscoveryMethod.ProbedUs, true, ReadOnlyMemory<byte>.Empty, null);
}

/// <summary>The plugin's real module, every run made a dry run into its own file (nothing sent, no privilege needed).</summary>
internal sealed class DryRunModule(string directory) : IDiscoveryModule
{
    private readonly DiscoveryModule _inner = DiscoveryModule.WithOwnParts();

    public string Name => _inner.Name;

    public IAsyncEnumerable<DiscoveryEvent> RunAsync(WidescanOptions options, CancellationToken cancellationToken = default) =>
        _inner.RunAsync(options with
        {
            DryRunPath = Path.Combine(directory, Guid.NewGuid().ToString("n") + ".pcap"),
            SourceAddress = Ipv6Address.Parse("2001:db8:1::1"),
            Generator = "cpu",
            Rate = 100_000,
        }, cancellationToken);
}
