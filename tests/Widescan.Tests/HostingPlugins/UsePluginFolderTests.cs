using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Widescan.Contracts;
using Widescan.Hosting;
using Widescan.Tests.Hosting;
using Widescan.Tests.HostingPackage;

namespace Widescan.Tests.HostingPlugins;

/// <summary>
/// AddWidescan(...).UsePluginFolder: the packaged plugin (artifacts/plugins, or the zip) loads through
/// the catalog and runs a dry run to its end; a folder without a module fails the start with every
/// problem at once.
/// </summary>
[CancelAfter(60_000)]
public sealed class UsePluginFolderTests
{
    private string directory = "";

    [SetUp]
    public void CreateDirectory() => directory = Directory.CreateTempSubdirectory("widescan-plugin-folder-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    [Test]
    public async Task The_packaged_plugins_folder_gives_the_module_and_a_dry_run_completes(CancellationToken cancellationToken)
    {
        var pcap = Path.Combine(directory, "probes.pcap");
        var (host, logs) = TestHosts.Build(s => s.AddWidescan(o => o.Discovery = DryRun(pcap)).UsePluginFolder(RepoArtifacts.PluginsDirectory));
        using (host)
        {
            await host.StartAsync(cancellationToken);
            var module = host.Services.GetRequiredService<IDiscoveryModule>();
            var result = await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(TestHosts.Targets(), cancellationToken);
            await host.StopAsync(cancellationToken);

            Assert.Multiple(() =>
            {
                Assert.That(module.Name, Is.EqualTo("discovery"));
                Assert.That(module.GetType().Assembly.Location, Does.StartWith(Path.Combine(RepoArtifacts.PluginsDirectory, "Widescan.Plugin")),
                    "the module comes from the plugins folder, in its own context");
                Assert.That(result.Summary.ProbesSent, Is.EqualTo(256UL), "one probe per address of the /120");
                Assert.That(new FileInfo(pcap).Length, Is.GreaterThan(24 + (256 * 16)), "every probe is in the dry-run file (pcap header + records)");
                Assert.That(logs.Records.Select(r => r.Message), Has.Some.Contains("Discovery module discovery from " + RepoArtifacts.PluginsDirectory));
            });
        }
    }

    [Test]
    public async Task The_plugin_zip_is_unpacked_into_the_cache_and_serves(CancellationToken cancellationToken)
    {
        var zip = Path.Combine(RepoArtifacts.Directory, "Widescan.Plugin.zip");
        var cache = Path.Combine(directory, "cache");
        var (host, _) = TestHosts.Build(s => s.AddWidescan(o => o.Discovery = DryRun(Path.Combine(directory, "p.pcap")))
            .UsePluginFolder(zip, cacheDirectory: cache));
        using (host)
        {
            await host.StartAsync(cancellationToken);
            var module = host.Services.GetRequiredService<IDiscoveryModule>();
            await host.StopAsync(cancellationToken);
            Assert.Multiple(() =>
            {
                Assert.That(module.Name, Is.EqualTo("discovery"));
                Assert.That(module.GetType().Assembly.Location, Does.StartWith(cache + Path.DirectorySeparatorChar));
                Assert.That(Directory.GetDirectories(cache), Has.Length.EqualTo(1), "one unpacked copy, no staging left behind");
            });
        }
    }

    [Test]
    public void A_folder_without_a_module_fails_the_start_with_every_problem_at_once()
    {
        var plugins = Path.Combine(directory, "plugins");
        Directory.CreateDirectory(Path.Combine(plugins, "Broken"));
        File.WriteAllBytes(Path.Combine(plugins, "Broken", "Broken.dll"), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))]);
        Directory.CreateDirectory(Path.Combine(plugins, "Empty"));
        File.WriteAllBytes(Path.Combine(plugins, "stray.dll"), [0x4d, 0x5a]);

        var (host, _) = TestHosts.Build(s => s.AddWidescan(o => o.Discovery = DryRun(Path.Combine(directory, "p.pcap")) with { Rate = -1 })
            .UsePluginFolder(plugins));
        using (host)
        {
            var e = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None))!;
            Assert.Multiple(() =>
            {
                Assert.That(e.Failures, Has.Some.Contains("Broken.dll").And.Contains("not a valid .NET assembly"));
                Assert.That(e.Failures, Has.Some.Contains("Empty.dll").And.Contains("missing"));
                Assert.That(e.Failures, Has.Some.Contains("stray.dll").And.Contains("lies loose"));
                Assert.That(e.Failures, Has.Some.Contains("no plugin here exports a discovery module"));
                Assert.That(e.Failures, Has.Some.Contains("rate -1"), "the option problems come in the same list");
            });
        }
    }

    [Test]
    public void Without_a_module_the_start_lists_the_folders_problems_and_the_options_and_nothing_else()
    {
        var plugins = Path.Combine(directory, "plugins");
        Directory.CreateDirectory(Path.Combine(plugins, "Empty"));
        File.WriteAllBytes(Path.Combine(plugins, "stray.dll"), [0x4d, 0x5a]);

        var (host, _) = TestHosts.Build(s => s.AddWidescan(o => o.Discovery = DryRun(Path.Combine(directory, "p.pcap")) with { Rate = -1 })
            .UsePluginFolder(plugins));
        using (host)
        {
            var e = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None))!;

            // The loader said why there is no module: no generic "no IDiscoveryModule is registered" beside it.
            Assert.That(e.Failures, Is.EquivalentTo(new[]
            {
                $"UsePluginFolder: {Path.Combine(plugins, "stray.dll")}: lies loose in the plugins directory and is ignored: a plugin goes in its own folder, stray/stray.dll",
                $"UsePluginFolder: {Path.Combine(plugins, "Empty", "Empty.dll")}: missing: a plugin folder must hold its main assembly as Empty/Empty.dll",
                $"UsePluginFolder: {plugins}: no plugin here exports a discovery module",
                "rate -1 must be at least 1 probe per second",
            }));
        }
    }

    [Test]
    public async Task With_a_module_the_other_problems_are_warnings_and_the_host_starts(CancellationToken cancellationToken)
    {
        var plugins = Path.Combine(directory, "plugins");
        var plugin = Path.Combine(plugins, "Widescan.Plugin");
        Directory.CreateDirectory(plugin);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoArtifacts.PluginsDirectory, "Widescan.Plugin")))
            File.Copy(file, Path.Combine(plugin, Path.GetFileName(file)));
        File.WriteAllBytes(Path.Combine(plugins, "stray.dll"), [0x4d, 0x5a]);

        var (host, logs) = TestHosts.Build(s => s.AddWidescan(o => o.Discovery = DryRun(Path.Combine(directory, "p.pcap"))).UsePluginFolder(plugins));
        using (host)
        {
            await host.StartAsync(cancellationToken);
            var module = host.Services.GetRequiredService<IDiscoveryModule>();
            await host.StopAsync(cancellationToken);
            Assert.Multiple(() =>
            {
                Assert.That(module.Name, Is.EqualTo("discovery"));
                Assert.That(logs.Records.Where(r => r.Level == Microsoft.Extensions.Logging.LogLevel.Warning).Select(r => r.Message),
                    Has.Some.Contains("stray.dll").And.Contains("lies loose"), "the problem is reported, not lost");
            });
        }
    }

    [Test]
    public void A_missing_folder_fails_the_start_naming_it()
    {
        var missing = Path.Combine(directory, "nowhere");
        var (host, _) = TestHosts.Build(s => s.AddWidescan(o => o.Discovery = DryRun(Path.Combine(directory, "p.pcap"))).UsePluginFolder(missing));
        using (host)
        {
            var e = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None))!;
            Assert.That(e.Failures, Has.Some.Contains(missing).And.Contains("does not exist"));
        }
    }

    private static WidescanOptions DryRun(string pcap) => new()
    {
        // A dry run scans: without targets the host would take the options for a listener's.
        Targets = TestHosts.Targets(),
        DryRunPath = pcap,
        SourceAddress = Ipv6Address.Parse("2001:db8:1::1"),
        Generator = "cpu",
        Rate = 100_000,
    };
}
