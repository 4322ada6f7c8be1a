using Microsoft.Extensions.DependencyInjection;
using Widescan.Contracts;
using Widescan.Hosting;

namespace Widescan.Tests.HostingPackage;

/// <summary>What a dashboard takes from a host: peer changes at the peer handlers, every event of every run at the event handlers.</summary>
[CancelAfter(20_000)]
public sealed class DashboardEventsTests
{
    [Test]
    public async Task Peer_handlers_get_seen_and_expired_peers_and_event_handlers_get_every_event_with_its_run(CancellationToken cancellationToken)
    {
        var time = DateTimeOffset.UnixEpoch;
        var peer = ScriptedModule.Peer(7);
        var seen = new PeerSeen(time, peer.Address, peer.NodeId, peer.Port, peer.How, false, time, time, 2);
        var expired = new PeerExpired(time, peer.Address, peer.NodeId, time, time);
        var cells = new CellProgress(time, []);
        var module = new ScriptedModule(o => [peer, seen, cells, expired, ScriptedModule.Finished(new DiscoverySummary())]);
        var handler = new Collecting();
        var (host, _) = TestHosts.Build(s => s.AddWidescan(_ => { }).UseModule(module).AddPeerHandler(handler).AddEventHandler(handler));
        using (host)
        {
            await host.StartAsync(cancellationToken);
            await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(TestHosts.Targets(), cancellationToken);
            await host.StopAsync(cancellationToken);
        }

        Assert.Multiple(() =>
        {
            Assert.That(handler.Changes, Is.EqualTo(new DiscoveryEvent[] { peer, seen, expired }), "the peer handler's table: found, seen, expired");
            Assert.That(handler.Events.Select(e => e.Event.GetType().Name), Is.EqualTo(new[] { "PeerDiscovered", "PeerSeen", "CellProgress", "PeerExpired", "ScanFinished" }));
            Assert.That(handler.Events.Select(e => e.Run).Distinct().Single(), Does.StartWith("scan-"));
        });
    }

    private sealed class Collecting : IWidescanPeerHandler, IWidescanEventHandler
    {
        public List<DiscoveryEvent> Changes { get; } = [];

        public List<(string Run, DiscoveryEvent Event)> Events { get; } = [];

        public ValueTask OnPeerAsync(PeerDiscovered peer, CancellationToken cancellationToken) => Add(peer);

        public ValueTask OnPeerSeenAsync(PeerSeen seen, CancellationToken cancellationToken) => Add(seen);

        public ValueTask OnPeerExpiredAsync(PeerExpired expired, CancellationToken cancellationToken) => Add(expired);

        public ValueTask OnEventAsync(string run, DiscoveryEvent discoveryEvent, CancellationToken cancellationToken)
        {
            lock (Events)
                Events.Add((run, discoveryEvent));
            return ValueTask.CompletedTask;
        }

        private ValueTask Add(DiscoveryEvent e)
        {
            lock (Changes)
                Changes.Add(e);
            return ValueTask.CompletedTask;
        }
    }
}
