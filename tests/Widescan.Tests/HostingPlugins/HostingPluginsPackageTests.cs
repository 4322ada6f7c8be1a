using Widescan.Tests.Hosting;

namespace Widescan.Tests.HostingPlugins;

/// <summary>Widescan.Hosting.Plugins as a host's developer gets it: from a feed, into a fresh project.</summary>
public class HostingPluginsPackageTests
{
    /// <summary>
    /// A console project outside the repository references Widescan.Hosting.Plugins (and the generic
    /// host) from a local feed (artifacts/), runs the docs' sample on artifacts/plugins and dry-runs a
    /// scan: Widescan.Hosting, the contracts, McMaster and System.Composition come as its dependencies.
    /// </summary>
    [Test]
    public void A_fresh_project_restores_the_package_from_a_local_feed_and_dry_runs_through_the_plugin_folder()
    {
        var sample = string.Join("\n", PluginFolderSampleTests.DocumentedSample());
        var pcap = Path.Combine(Path.GetTempPath(), $"widescan-plugins-consumer-{Environment.ProcessId}.pcap");
        var program = $$"""
            using Microsoft.Extensions.Configuration;
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.Hosting;
            using Widescan.Contracts;
            using Widescan.Hosting;
            using Widescan.Hosting.Plugins;

            var plugins = @"{{RepoArtifacts.PluginsDirectory}}";
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Widescan:DryRunPath"] = @"{{pcap}}",
                ["Widescan:SourceAddress"] = "2001:db8:1::1",
                ["Widescan:Rate"] = "100000",
                ["Widescan:Targets:Include:0"] = "2001:db8:1:2::/120",
                ["Widescan:Targets:AllowReserved"] = "true",
            });
            {{sample}}
            var result = await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(
                new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8:1:2::/120")], AllowReserved = true, Seed = 1 });
            await host.StopAsync();
            Console.WriteLine($"probes sent {result.Summary.ProbesSent}");
            """;
        using var project = ConsumerProject.Create("Widescan.Hosting.Plugins", RepoArtifacts.ContractsVersion, program, warningsAsErrors: true,
            ("Microsoft.Extensions.Hosting", "10.0.15"));
        try
        {
            var result = project.Run();
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            var lines = result.Lines;
            Assert.Multiple(() =>
            {
                Assert.That(lines, Has.Some.StartsWith("Widescan.Plugin ").And.Contains("module discovery"), result.ToString());
                Assert.That(lines, Has.Member("probes sent 256"), result.ToString());
                Assert.That(File.Exists(pcap), Is.True, "the dry run wrote its probes");
                foreach (var dependency in new[] { "widescan.hosting", "widescan.contracts" })
                    Assert.That(project.Restored(dependency, RepoArtifacts.ContractsVersion), Is.True, $"{dependency} did not come as a dependency");
                Assert.That(Directory.Exists(Path.Combine(project.Packages, "mcmaster.netcore.plugins")), Is.True, "McMaster.NETCore.Plugins did not come as a dependency");
            });
        }
        finally
        {
            File.Delete(pcap);
        }
    }
}
