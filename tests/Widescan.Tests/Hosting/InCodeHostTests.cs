using System.Composition;
using System.Composition.Hosting;
using McMaster.NETCore.Plugins;
using Widescan.Contracts;
using Widescan.Plugin.Transport;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Hosting;

/// <summary>
/// A host application's view (a P2P client, a bootstrap server): no CLI and no PluginCatalog, only
/// McMaster.NETCore.Plugins, System.Composition and the contracts, configured in code. docs/hosting.md
/// shows this same code; keep the two in sync.
/// </summary>
public class InCodeHostTests
{
    [Test]
    public void PackagedPluginServesTheGeneratorTheOptionsName() =>
        HostDrawsEveryTargetOnce(Path.Combine(RepoArtifacts.PluginsDirectory, "Widescan.Plugin"), "Widescan.Plugin.dll", "cpu");

    [Test]
    public void TestPluginServesTheGeneratorTheOptionsName() =>
        HostDrawsEveryTargetOnce(Path.Combine(TestPluginFolders.Good, TestPluginFolders.TestPluginName), TestPluginFolders.TestPluginName + ".dll", "test-seq");

    private static void HostDrawsEveryTargetOnce(string pluginFolder, string pluginFile, string generatorName)
    {
        // --- as in docs/hosting.md ---
        var options = new WidescanOptions
        {
            Targets = new TargetSpec
            {
                Include = [Ipv6Prefix.Parse("2001:db8:1::/120")],
                Seed = 0x5eed,
                AllowReserved = true, // 2001:db8::/32 is documentation space, blocklisted by default
            },
            Generator = generatorName,
            Rate = 500,
            ServicePort = 30303,
        };
        options.EnsureValid();

        using var loader = PluginLoader.CreateFromAssemblyFile(
            Path.GetFullPath(Path.Combine(pluginFolder, pluginFile)),
            isUnloadable: true,
            sharedTypes: [typeof(IAddressGenerator), typeof(ExportAttribute)]);
        using var container = new ContainerConfiguration()
            .WithAssembly(loader.LoadDefaultAssembly())
            .CreateContainer();

        var generators = container.GetExports<Lazy<IAddressGenerator, PartMetadata>>().ToList();
        // One lookup for every host and the module: names ignore case, two parts of one name are refused.
        var generator = PartLookup.Find(generators, PartKinds.Generator, options.Generator)?.Value
            ?? throw new InvalidOperationException(PartLookup.NotFound(generators, PartKinds.Generator, options.Generator));

        using var stream = generator.Open(options.Targets!);
        var batch = new UInt128[1024];
        var targets = new List<UInt128>();
        for (var filled = stream.Fill(batch); filled > 0; filled = stream.Fill(batch))
            targets.AddRange(batch[..filled]);
        // --- end ---

        var prefix = options.Targets!.Include[0];
        Assert.Multiple(() =>
        {
            Assert.That(targets, Has.Count.EqualTo(256));
            Assert.That(targets, Is.Unique);
            Assert.That(targets, Has.All.Matches<UInt128>(prefix.Contains));
            Assert.That(stream.Cursor, Is.EqualTo(stream.Positions));
        });
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_host_runs_a_scan_in_code_through_the_packaged_discovery_module(CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        lab.AnswerPrefix("2001:db8:1:1::/120");
        var pluginFolder = Path.Combine(RepoArtifacts.PluginsDirectory, "Widescan.Plugin");

        using var loader = PluginLoader.CreateFromAssemblyFile(
            Path.GetFullPath(Path.Combine(pluginFolder, "Widescan.Plugin.dll")),
            isUnloadable: true,
            sharedTypes: [typeof(IAddressGenerator), typeof(ExportAttribute)]);
        using var container = new ContainerConfiguration()
            .WithAssembly(loader.LoadDefaultAssembly())
            .CreateContainer();

        // --- as in docs/hosting.md, running discovery ---
        var options = new WidescanOptions
        {
            Targets = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8:1:1::/120")], AllowReserved = true },
            Generator = "cpu",
            Rate = 5_000,
            Cooldown = TimeSpan.FromSeconds(1.5),
            ServicePort = 30303,
            Log = new LogOptions { Console = false },
        };
        var module = PartLookup.Find(container.GetExports<Lazy<IDiscoveryModule, PartMetadata>>(), PartKinds.Module, "discovery")!.Value;
        var alive = new List<HostAlive>();
        DiscoverySummary? summary = null;
        // (The test starts the run on a thread inside the lab's namespace, so its sockets live there.)
        await using var events = NetworkNamespace.Run(lab.Scanner, () => module.RunAsync(options, cancellationToken).GetAsyncEnumerator(cancellationToken));
        var first = NetworkNamespace.Run(lab.Scanner, () => events.MoveNextAsync().AsTask());
        for (var more = await first; more; more = await events.MoveNextAsync())
        {
            switch (events.Current)
            {
                case HostAlive host:
                    alive.Add(host);
                    break;
                case PeerDiscovered peer:
                    Assert.Fail($"no peer is in this lab, yet {Ipv6Address.Format(peer.Address)} was reported");
                    break;
                case ScanFinished finished:
                    summary = finished.Summary;
                    break;
            }
        }
        // --- end ---

        Assert.Multiple(() =>
        {
            Assert.That(summary, Is.Not.Null, "the run ends with its summary");
            Assert.That(summary!.Generator, Is.EqualTo("cpu"));
            // The targets, and the 16 alias probes of the /64 whose live hosts started its test (Dealias is on by default).
            Assert.That(summary.AliasProbes, Is.EqualTo(16UL));
            Assert.That(summary.ProbesSent, Is.EqualTo(256UL + summary.AliasProbes));
            Assert.That(summary.AliasedPrefixes, Is.Zero, "a dense /120 in a silent /64 is not aliased");
            Assert.That(alive.Select(a => a.Address).Distinct().Count(), Is.EqualTo(256));
        });
    }
}
