using Widescan.Tests.Hosting;

namespace Widescan.Tests.PluginPackage;

/// <summary>
/// Widescan.Plugin as a package, the way an AOT-bound host takes it: a fresh project references
/// Widescan.Hosting and Widescan.Plugin from a local feed (artifacts/), with no plugins folder, no
/// McMaster and no MEF container, and runs the plugin's module through AddWidescan (docs/hosting.md's
/// "Referencing the plugin package directly" block, read from the page).
/// </summary>
public class PluginPackageTests
{
    /// <summary>docs/hosting.md's block under &lt;!-- plugin-package-sample --&gt;, which the consumer runs.</summary>
    public static string[] DocumentedSample()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", "hosting.md"));
        var at = Array.IndexOf(lines, "<!-- plugin-package-sample -->");
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "docs/hosting.md lost its <!-- plugin-package-sample --> marker");
        Assert.That(lines[at + 1], Is.EqualTo("```csharp"));
        return lines[(at + 2)..Array.IndexOf(lines, "```", at + 2)];
    }

    [Test]
    public void A_fresh_project_references_the_plugin_package_and_runs_its_module_through_AddWidescan()
    {
        var sample = string.Join("\n", DocumentedSample());
        var pcap = Path.Combine(Path.GetTempPath(), $"widescan-plugin-consumer-{Environment.ProcessId}.pcap");
        var program = $$"""
            using Microsoft.Extensions.Configuration;
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.Hosting;
            using Widescan.Contracts;
            using Widescan.Hosting;
            using Widescan.Plugin;

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Widescan:DryRunPath"] = @"{{pcap}}",
                ["Widescan:SourceAddress"] = "2001:db8:1::1",
                ["Widescan:Generator"] = "cpu",
                ["Widescan:Rate"] = "100000",
                ["Widescan:Targets:Include:0"] = "2001:db8:1:2::/120",
                ["Widescan:Targets:AllowReserved"] = "true",
            });
            {{sample}}
            var module = host.Services.GetRequiredService<IDiscoveryModule>();
            Console.WriteLine($"module {module.Name} from {module.GetType().Assembly.Location}");

            var spec = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8:1:2::/120")], AllowReserved = true, Seed = 1 };
            var result = await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(spec);
            await host.StopAsync();
            Console.WriteLine($"probes sent {result.Summary.ProbesSent} {result.Summary.Status}");

            // What `widescan generate` does: the plugin's cpu generator fills the targets, no packet sent.
            var generator = PartLookup.Find(WidescanPlugin.Generators(), PartKinds.Generator, "cpu")!.Value;
            using var stream = generator.Open(spec);
            var batch = new UInt128[100];
            var targets = new HashSet<UInt128>();
            for (var filled = stream.Fill(batch); filled > 0; filled = stream.Fill(batch))
                targets.UnionWith(batch[..filled]);
            Console.WriteLine($"generated {targets.Count} distinct, all inside: {targets.All(spec.Include[0].Contains)}");
            """;
        using var project = ConsumerProject.Create("Widescan.Plugin", RepoArtifacts.ContractsVersion, program, warningsAsErrors: true,
            ("Widescan.Hosting", RepoArtifacts.ContractsVersion), ("Microsoft.Extensions.Hosting", "10.0.15"));
        try
        {
            var result = project.Run();
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            var lines = result.Lines;
            Assert.Multiple(() =>
            {
                Assert.That(lines, Has.Some.StartsWith($"module discovery from {project.Directory}{Path.DirectorySeparatorChar}bin"),
                    "the module is the package's assembly, copied into the host's output: " + result);
                Assert.That(lines, Has.Member("probes sent 256 Complete"), result.ToString());
                Assert.That(lines, Has.Member("generated 256 distinct, all inside: True"), result.ToString());
                Assert.That(File.Exists(pcap), Is.True, "the dry run wrote its probes");
                foreach (var dependency in new[] { "widescan.plugin", "widescan.hosting", "widescan.contracts" })
                    Assert.That(project.Restored(dependency, RepoArtifacts.ContractsVersion), Is.True, $"{dependency} was not restored");
                foreach (var dependency in new[] { "system.composition.attributedmodel", "serilog", "sharppcap", "packetdotnet", "ilgpu" })
                    Assert.That(Directory.Exists(Path.Combine(project.Packages, dependency)), Is.True, $"{dependency} did not come as the plugin package's dependency");
                foreach (var loader in new[] { "mcmaster.netcore.plugins", "system.composition.hosting", "widescan.hosting.plugins" })
                    Assert.That(Directory.Exists(Path.Combine(project.Packages, loader)), Is.False, $"{loader} came in: a direct reference needs no plugin loader");
            });
        }
        finally
        {
            File.Delete(pcap);
        }
    }
}
