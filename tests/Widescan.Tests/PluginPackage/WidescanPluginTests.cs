using System.Composition.Hosting;
using Widescan.Contracts;
using Widescan.Plugin;
using Widescan.Tests.HostingPackage;

namespace Widescan.Tests.PluginPackage;

/// <summary>
/// WidescanPlugin, the way in for a host that references the plugin directly: the same parts as the
/// plugin folder's MEF exports, and a module that runs.
/// </summary>
public class WidescanPluginTests
{
    [Test]
    public void The_parts_are_the_plugin_folders_exports_with_the_same_metadata()
    {
        using var container = new ContainerConfiguration().WithAssembly(typeof(WidescanPlugin).Assembly).CreateContainer();

        Assert.Multiple(() =>
        {
            Assert.That(Describe(WidescanPlugin.Generators()), Is.EquivalentTo(Describe(container.GetExports<Lazy<IAddressGenerator, PartMetadata>>())));
            Assert.That(Describe(WidescanPlugin.Broadcasters()), Is.EquivalentTo(Describe(container.GetExports<Lazy<IProbeBroadcaster, PartMetadata>>())));
            Assert.That(Describe(WidescanPlugin.Listeners()), Is.EquivalentTo(Describe(container.GetExports<Lazy<IDiscoveryListener, PartMetadata>>())));
            Assert.That(container.GetExports<Lazy<IDiscoveryModule, PartMetadata>>().Select(m => m.Metadata.Name), Is.EqualTo(new[] { WidescanPlugin.ModuleName }));
            Assert.That(WidescanPlugin.Generators().Select(g => g.Value.Name), Is.EqualTo(WidescanPlugin.Generators().Select(g => g.Metadata.Name)),
                "each part's own name is its metadata's");
        });
    }

    [Test]
    public void Parts_are_created_only_when_chosen_and_new_for_each_call()
    {
        var generators = WidescanPlugin.Generators();
        var cpu = PartLookup.Find(generators, PartKinds.Generator, "CPU")!;

        Assert.Multiple(() =>
        {
            Assert.That(generators.Count(g => g.IsValueCreated), Is.Zero);
            Assert.That(cpu.Value.Name, Is.EqualTo("cpu"), "found as every part is, ignoring case");
            Assert.That(generators.Count(g => g.IsValueCreated), Is.EqualTo(1), "only the chosen part is made");
            Assert.That(PartLookup.Find(WidescanPlugin.Generators(), PartKinds.Generator, "cpu")!.Value, Is.Not.SameAs(cpu.Value));
        });
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task CreateModule_dry_runs_a_scan_to_its_end(CancellationToken cancellationToken)
    {
        var pcap = Path.Combine(Path.GetTempPath(), $"widescan-plugin-module-{Environment.ProcessId}.pcap");
        try
        {
            var options = new WidescanOptions
            {
                Targets = TestHosts.Targets(),
                DryRunPath = pcap,
                SourceAddress = Ipv6Address.Parse("2001:db8:1::1"),
                Generator = "cpu",
                Rate = 100_000,
            };
            DiscoverySummary? summary = null;
            var module = WidescanPlugin.CreateModule();
            await foreach (var e in module.RunAsync(options, cancellationToken))
            {
                if (e is ScanFinished finished)
                    summary = finished.Summary;
            }

            Assert.Multiple(() =>
            {
                Assert.That(module.Name, Is.EqualTo(WidescanPlugin.ModuleName));
                Assert.That(summary?.Status, Is.EqualTo(DiscoveryStatus.Complete), summary?.ToString());
                Assert.That(summary?.ProbesSent, Is.EqualTo(256UL), "one probe per address of the /120");
            });
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    private static IEnumerable<string> Describe<T>(IEnumerable<Lazy<T, PartMetadata>> parts) =>
        parts.Select(p => $"{p.Metadata.Kind} {p.Metadata.Name} {p.Metadata.ContractsVersion}");
}
