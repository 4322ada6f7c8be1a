using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Widescan.Contracts;
using Widescan.Hosting;

namespace Widescan.Tests.HostingPackage;

/// <summary>
/// docs/hosting.md's first section, "Hosting with Widescan.Hosting": its appsettings block is read as
/// the configuration here, and its code blocks are <see cref="Sample"/> and <see cref="PeerTable"/>
/// (one test proves the texts are the same, another runs them).
/// </summary>
[CancelAfter(20_000)]
public sealed class HostingSampleTests
{
    [Test]
    public void The_documented_samples_are_the_ones_tested_here()
    {
        var source = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "tests", "Widescan.Tests", "HostingPackage", "HostingSampleTests.cs"));
        Assert.Multiple(() =>
        {
            Assert.That(Documented("hosting-sample"), Is.EqualTo(Tested(source, "hosting-sample", indent: 8)));
            Assert.That(Documented("hosting-peer-table"), Is.EqualTo(Tested(source, "hosting-peer-table", indent: 4)));
        });
    }

    [Test]
    public async Task The_sample_binds_the_documented_section_listens_scans_and_fills_the_peer_table(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("widescan-hosting-sample-").FullName;
        try
        {
            var keyFile = Path.Combine(directory, "network.key");
            File.WriteAllText(keyFile, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
            var module = new ScriptedModule(o => o.ListenOnly
                ? [ScriptedModule.Peer(9)]
                : [new HostAlive(DateTimeOffset.UtcNow, o.Targets!.Include[0].Network + 1, TimeSpan.FromMilliseconds(1)), ScriptedModule.Finished(new DiscoverySummary { ProbesSent = 256, Alive = 1 })]);
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", Documented("hosting-appsettings", "```json")))));
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Widescan:NetworkKeyFile"] = keyFile });

            var (result, host) = await Sample(builder, module);
            using (host)
            {
                var table = host.Services.GetRequiredService<PeerTable>();
                while (table.Count == 0)
                    await Task.Delay(10, cancellationToken);
                await host.StopAsync(cancellationToken);
                var listener = module.Runs.Single(r => r.ListenOnly);
                Assert.Multiple(() =>
                {
                    Assert.That(result.Hosts, Has.Count.EqualTo(1));
                    Assert.That(result.Summary.ProbesSent, Is.EqualTo(256UL));
                    Assert.That(table.Count, Is.EqualTo(1), "the listener's peer reached the handler");
                    Assert.That(listener.ServicePort, Is.EqualTo((ushort)30303), "the documented section");
                    Assert.That(listener.NetworkKey.Length, Is.EqualTo(32), "the key from NetworkKeyFile");
                });
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(WidescanScanResult, IHost)> Sample(HostApplicationBuilder builder, IDiscoveryModule module)
    {
        // --- hosting-sample: docs/hosting.md ---
        builder.Services.AddSingleton<PeerTable>();
        builder.Services.AddWidescan(builder.Configuration.GetSection("Widescan"))
            .UseModule(module)                       // the plugin's IDiscoveryModule
            .AddPeerHandler<PeerTableHandler>();     // every peer of the listener and the scans
        var host = builder.Build();
        await host.StartAsync();                     // throws here, listing every problem, when the section is wrong

        var scanner = host.Services.GetRequiredService<IWidescanScanner>();
        var result = await scanner.ScanAsync(new TargetSpec
        {
            Include = [Ipv6Prefix.Parse("2001:db8:1:2::/120")],
            AllowReserved = true,
            Seed = 0x5eed,
        });
        Console.WriteLine($"{result.Hosts.Count} hosts, {result.Peers.Count} peers, {result.Summary.Status}");
        // --- end of hosting-sample ---
        return (result, host);
    }

    // --- hosting-peer-table: docs/hosting.md ---
    public sealed class PeerTable
    {
        private readonly ConcurrentDictionary<NodeId, PeerDiscovered> _peers = new();

        public int Count => _peers.Count;

        public void Seen(PeerDiscovered peer) => _peers[peer.NodeId] = peer;
    }

    public sealed class PeerTableHandler(PeerTable table) : IWidescanPeerHandler
    {
        public ValueTask OnPeerAsync(PeerDiscovered peer, CancellationToken cancellationToken)
        {
            if (peer.Authenticated)
                table.Seen(peer);            // quick: the run's event loop waits for it
            return ValueTask.CompletedTask;
        }
    }
    // --- end of hosting-peer-table ---

    private static List<string> Documented(string marker, string fence = "```csharp")
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", "hosting.md"));
        var at = Array.IndexOf(lines, $"<!-- {marker} -->");
        Assert.That(at, Is.GreaterThanOrEqualTo(0), $"docs/hosting.md lost its <!-- {marker} --> marker");
        Assert.That(lines[at + 1], Is.EqualTo(fence));
        var end = Array.IndexOf(lines, "```", at + 2);
        return [.. lines[(at + 2)..end]];
    }

    private static List<string> Tested(string[] source, string marker, int indent)
    {
        var start = Array.FindIndex(source, l => l.Trim() == $"// --- {marker}: docs/hosting.md ---");
        var end = Array.FindIndex(source, l => l.Trim() == $"// --- end of {marker} ---");
        return [.. source[(start + 1)..end].Select(l => l.Length >= indent ? l[indent..] : l.Trim())];
    }
}
