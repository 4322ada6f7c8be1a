using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using Widescan.Ripe;
using Widescan.Tests.Hosting;

namespace Widescan.Tests.Ripe;

/// <summary>The Widescan.Ripe package as a host's developer gets it: from a feed, into a fresh project.</summary>
public class RipePackageTests
{
    private static string Version
    {
        get
        {
            var informational = typeof(RipeImport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus < 0 ? informational : informational[..plus];
        }
    }

    private static string Package => Path.Combine(RepoArtifacts.Directory, $"Widescan.Ripe.{Version}.nupkg");

    [Test]
    public void ThePackageCarriesReadmeXmlDocsSymbolsAndDeclaresTheContractsItNeeds()
    {
        Assert.That(Package, Does.Exist);
        using (var zip = ZipFile.OpenRead(Package))
        {
            Assert.That(zip.Entries.Select(e => e.FullName), Does.Contain("README.md")
                .And.Contain("lib/net10.0/Widescan.Ripe.dll")
                .And.Contain("lib/net10.0/Widescan.Ripe.xml")
                .And.Not.Contain("lib/net10.0/Widescan.Contracts.dll"));

            using var nuspec = zip.GetEntry("Widescan.Ripe.nuspec")!.Open();
            var metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
                .Select(e => (Id: (string?)e.Attribute("id"), Version: (string?)e.Attribute("version"))).ToList();
            Assert.That(dependencies, Is.EqualTo(new[] { ("Widescan.Contracts", RepoArtifacts.ContractsVersion) }),
                "Widescan.Ripe's entries are Widescan.Contracts types: the package must bring that package");
            Assert.That(metadata.Elements().Single(e => e.Name.LocalName == "readme").Value, Is.EqualTo("README.md"));
        }

        var symbols = Path.ChangeExtension(Package, ".snupkg");
        Assert.That(symbols, Does.Exist);
        using var symbolZip = ZipFile.OpenRead(symbols);
        Assert.That(symbolZip.Entries.Select(e => e.FullName), Does.Contain("lib/net10.0/Widescan.Ripe.pdb"));
    }

    /// <summary>
    /// A console project outside the repository references only Widescan.Ripe from a local feed
    /// (artifacts/) and runs the docs' sample on small dumps: the contracts come as its dependency.
    /// </summary>
    [Test]
    public void AFreshProjectRestoresThePackageFromALocalFeedAndImports()
    {
        var sample = string.Join("\n", RipeHostingSampleTests.DocumentedSample());
        using var project = ConsumerProject.Create("Widescan.Ripe", Version, $$"""
            using Widescan.Contracts;
            using Widescan.Ripe;

            var inet6numFile = "ripe.db.inet6num.gz";
            var route6File = "ripe.db.route6";
            {{sample}}
            foreach (var spec in specs)
                Console.WriteLine($"window /{spec.SubnetBits}: {string.Join(",", spec.Include)} targets {spec.PlannedTargets}");
            Console.WriteLine($"prefixes {summary.Prefixes} malformed {summary.Malformed}");
            """, warningsAsErrors: true);
        project.Add("ripe.db.inet6num.gz", RipeHostingSampleTests.Gzip(RipeHostingSampleTests.Inet6num));
        project.Add("ripe.db.route6", System.Text.Encoding.UTF8.GetBytes(RipeHostingSampleTests.Route6));

        var clock = Stopwatch.StartNew();
        var result = project.Run();
        TestContext.Progress.WriteLine($"the consumer project restored, built and ran in {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        // stdout and stderr arrive through two pipes: pick the program's own lines, in their order.
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("window ", StringComparison.Ordinal) || l.StartsWith("prefixes ", StringComparison.Ordinal));
        Assert.That(lines, Is.EqualTo(new[]
        {
            $"window /48: 2001:db8:1000::/36 targets {1 << 12}",
            $"window /64: 2001:db8:2000::/48 targets {1 << 16}",
            "prefixes 2 malformed 1",
        }), result.ToString());
        Assert.That(result.ToString(), Does.Contain("skipped ripe.db.inet6num.gz:23: inet6num: 2001:db8:4000::1/48 has host bits set"));
        Assert.That(project.Restored("Widescan.Ripe", Version), Is.True,
            "Widescan.Ripe was not restored into the project's own packages folder");
        Assert.That(project.Restored("Widescan.Contracts", RepoArtifacts.ContractsVersion), Is.True,
            "Widescan.Contracts did not come as Widescan.Ripe's dependency");
    }
}
