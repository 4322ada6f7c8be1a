using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Widescan.Contracts;
using Widescan.Hosting;

namespace Widescan.Tests.HostingPackage;

/// <summary>Peers handed to the host (stream and callback) and the health check, with scripted modules.</summary>
[CancelAfter(20_000)]
public sealed class PeersAndHealthTests
{
    [Test]
    public async Task The_listeners_peers_reach_the_stream_and_every_handler(CancellationToken cancellationToken)
    {
        var module = new ScriptedModule(o => o.ListenOnly ? [ScriptedModule.Peer(1), ScriptedModule.Peer(2), ScriptedModule.Peer(3)] : []);
        var handler = new CollectingHandler();
        var (host, _) = TestHosts.Build(s => s.AddWidescan(o => o.Listen = true).UseModule(module).AddPeerHandler(handler));
        using (host)
        {
            await host.StartAsync(cancellationToken);
            var streamed = new List<PeerDiscovered>();
            await foreach (var peer in host.Services.GetRequiredService<IWidescanPeers>().ReadAllAsync(cancellationToken))
            {
                streamed.Add(peer);
                if (streamed.Count == 3)
                    break;
            }

            var health = await Check(host.Services, cancellationToken);
            await host.StopAsync(cancellationToken);
            Assert.Multiple(() =>
            {
                Assert.That(streamed.Select(p => p.NodeId.Value), Is.EqualTo(new UInt128[] { 1, 2, 3 }));
                Assert.That(handler.Peers.Select(p => p.NodeId.Value), Is.EqualTo(new UInt128[] { 1, 2, 3 }));
                Assert.That(module.Runs.Single().ListenOnly, Is.True);
                Assert.That(health.Status, Is.EqualTo(HealthStatus.Healthy));
            });
        }
    }

    [Test]
    public async Task Peers_a_host_does_not_read_are_counted_beyond_the_buffer_and_the_health_check_degrades(CancellationToken cancellationToken)
    {
        var module = new ScriptedModule(o => [.. Enumerable.Range(1, 10).Select(ScriptedModule.Peer), ScriptedModule.Finished(new DiscoverySummary())]);
        var (host, logs) = TestHosts.Build(s => s.AddWidescan(o => o.PeerBufferCapacity = 4).UseModule(module));
        using (host)
        {
            await host.StartAsync(cancellationToken);
            var result = await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(TestHosts.Targets(), cancellationToken);
            var peers = host.Services.GetRequiredService<IWidescanPeers>();
            var health = await Check(host.Services, cancellationToken);
            await host.StopAsync(cancellationToken);
            var queued = new List<PeerDiscovered>();
            await foreach (var peer in peers.ReadAllAsync(cancellationToken))
                queued.Add(peer);
            Assert.Multiple(() =>
            {
                Assert.That(result.Peers, Has.Count.EqualTo(10), "the scan's own result holds every peer");
                Assert.That(queued.Select(p => p.NodeId.Value), Is.EqualTo(new UInt128[] { 1, 2, 3, 4 }), "the buffer keeps the first ones");
                Assert.That(peers.Dropped, Is.EqualTo(6), "the rest are counted");
                Assert.That(logs.Records, Has.Some.Matches<LogRecord>(r => r.Message.Contains("The peer stream is full: 1 peers")));
                Assert.That(health.Status, Is.EqualTo(HealthStatus.Degraded));
                Assert.That(health.Description, Does.Contain("6 peers"));
            });
        }
    }

    [Test]
    public async Task A_listener_without_CAP_NET_RAW_makes_the_check_unhealthy_and_the_host_goes_on(CancellationToken cancellationToken)
    {
        var module = new ScriptedModule(o => o.ListenOnly
            ? throw new MissingPrivilegeException("CAP_NET_RAW", "raw ICMPv6 sockets need CAP_NET_RAW: run as root or grant the capability")
            : [ScriptedModule.Finished(new DiscoverySummary { ProbesSent = 1 })]);
        var (host, logs) = TestHosts.Build(s => s.AddWidescan(o => o.Listen = true).UseModule(module));
        using (host)
        {
            await host.StartAsync(cancellationToken);
            HealthReport report;
            do
            {
                report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(cancellationToken);
                await Task.Delay(20, cancellationToken);
            }
            while (report.Status == HealthStatus.Healthy);

            // The host is still up: an on-demand scan still runs.
            var scan = await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(TestHosts.Targets(), cancellationToken);
            await host.StopAsync(cancellationToken);
            Assert.Multiple(() =>
            {
                Assert.That(report.Status, Is.EqualTo(HealthStatus.Unhealthy));
                Assert.That(report.Entries["widescan"].Description, Does.Contain("CAP_NET_RAW"));
                Assert.That(scan.Summary.ProbesSent, Is.EqualTo(1UL));
                Assert.That(logs.Records, Has.Some.Matches<LogRecord>(r => r.Level == Microsoft.Extensions.Logging.LogLevel.Error && r.Message.Contains("without CAP_NET_RAW")));
            });
        }
    }

    [Test]
    public async Task A_run_that_lost_results_makes_the_check_degraded(CancellationToken cancellationToken)
    {
        var module = new ScriptedModule(_ => [ScriptedModule.Finished(new DiscoverySummary { Status = DiscoveryStatus.Incomplete, Lost = new DiscoveryLosses(0, 12, 3) })]);
        var (host, _) = TestHosts.Build(s => s.AddWidescan(_ => { }).UseModule(module));
        using (host)
        {
            await host.StartAsync(cancellationToken);
            Assert.That((await Check(host.Services, cancellationToken)).Status, Is.EqualTo(HealthStatus.Healthy));
            await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(TestHosts.Targets(), cancellationToken);
            var health = await Check(host.Services, cancellationToken);
            await host.StopAsync(cancellationToken);
            Assert.That(health.Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(health.Description, Does.Contain("15 in runs"));
        }
    }

    private static async Task<HealthReportEntry> Check(IServiceProvider services, CancellationToken cancellationToken) =>
        (await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(cancellationToken)).Entries["widescan"];

    private sealed class CollectingHandler : IWidescanPeerHandler
    {
        public List<PeerDiscovered> Peers { get; } = [];

        public ValueTask OnPeerAsync(PeerDiscovered peer, CancellationToken cancellationToken)
        {
            lock (Peers)
                Peers.Add(peer);
            return ValueTask.CompletedTask;
        }
    }
}
