using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Widescan.Contracts;
using Widescan.Hosting;
using Widescan.Hosting.Plugins;
using Widescan.Tests.Hosting;

namespace Widescan.Tests.HostingPlugins;

/// <summary>
/// docs/hosting.md's "Loading the plugin folder with Widescan.Hosting.Plugins": its code block is
/// <see cref="Sample"/> (one test proves the texts are the same, the other runs it on the packaged
/// plugins folder; UsePluginFolderTests covers the zip).
/// </summary>
[CancelAfter(60_000)]
public sealed class PluginFolderSampleTests
{
    /// <summary>The sample's lines as docs/hosting.md shows them.</summary>
    public static string[] DocumentedSample()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", "hosting.md"));
        var at = Array.IndexOf(lines, "<!-- hosting-plugins-sample -->");
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "docs/hosting.md lost its <!-- hosting-plugins-sample --> marker");
        Assert.That(lines[at + 1], Is.EqualTo("```csharp"));
        return lines[(at + 2)..Array.IndexOf(lines, "```", at + 2)];
    }

    [Test]
    public void The_documented_sample_is_the_one_tested_here()
    {
        var documented = DocumentedSample();
        var source = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "tests", "Widescan.Tests", "HostingPlugins", "PluginFolderSampleTests.cs"));
        var start = Array.FindIndex(source, l => l.Trim() == "// --- hosting-plugins-sample: docs/hosting.md ---");
        var end = Array.FindIndex(source, l => l.Trim() == "// --- end of hosting-plugins-sample ---");
        var tested = source[(start + 1)..end].Select(l => l.Length >= 8 ? l[8..] : l.Trim());
        Assert.That(documented, Is.EqualTo(tested));
    }

    [Test]
    public async Task The_sample_loads_the_packaged_plugins_folder_and_dry_runs_a_scan(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("widescan-plugins-sample-").FullName;
        try
        {
            var pcap = Path.Combine(directory, "probes.pcap");
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Widescan:DryRunPath"] = pcap,
                ["Widescan:SourceAddress"] = "2001:db8:1::1",
                ["Widescan:Generator"] = "cpu",
                ["Widescan:Rate"] = "100000",
                ["Widescan:Targets:Include:0"] = "2001:db8:1:2::/120",
                ["Widescan:Targets:AllowReserved"] = "true",
            });
            var output = new StringWriter();
            var console = Console.Out;
            Console.SetOut(output);
            IHost host;
            try
            {
                host = await Sample(builder, RepoArtifacts.PluginsDirectory);
            }
            finally
            {
                Console.SetOut(console);
            }

            using (host)
            {
                var result = await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(
                    new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8:1:2::/120")], AllowReserved = true, Seed = 1 }, cancellationToken);
                await host.StopAsync(cancellationToken);
                Assert.Multiple(() =>
                {
                    Assert.That(result.Summary.ProbesSent, Is.EqualTo(256UL), "a dry run of the /120 through the folder's module");
                    Assert.That(File.Exists(pcap), Is.True);
                    Assert.That(output.ToString(), Does.Contain("Widescan.Plugin ").And.Contain("module discovery").And.Contain("generator cpu"),
                        "the catalog lists the plugin's exports");
                });
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<IHost> Sample(HostApplicationBuilder builder, string plugins)
    {
        // --- hosting-plugins-sample: docs/hosting.md ---
        builder.Services.AddWidescan(builder.Configuration.GetSection("Widescan"))
            .UsePluginFolder(plugins);               // plugins/Widescan.Plugin/Widescan.Plugin.dll, or Widescan.Plugin.zip
        var host = builder.Build();
        await host.StartAsync();                     // throws here, listing every plugin problem, when no module loads

        // What a plugins directory holds, as `widescan plugins` lists it:
        using var catalog = PluginCatalog.Load(plugins);
        foreach (var problem in catalog.Problems)
            Console.WriteLine(problem);              // the file at fault, the likely cause and the fix
        foreach (var plugin in catalog.Plugins)
            Console.WriteLine($"{plugin.Name} {plugin.Version}: {string.Join(", ", plugin.Exports.Select(e => $"{e.Kind} {e.Name}"))}");
        // --- end of hosting-plugins-sample ---
        return host;
    }
}
