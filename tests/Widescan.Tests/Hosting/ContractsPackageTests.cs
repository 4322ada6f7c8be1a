using System.IO.Compression;

namespace Widescan.Tests.Hosting;

/// <summary>The Widescan.Contracts package as a host's developer gets it: from a feed, into a fresh project.</summary>
public class ContractsPackageTests
{
    private static string Package => Path.Combine(RepoArtifacts.Directory, $"Widescan.Contracts.{RepoArtifacts.ContractsVersion}.nupkg");

    [Test]
    public void ThePackageCarriesReadmeXmlDocsAndItsSymbolPackage()
    {
        Assert.That(Package, Does.Exist);
        using (var zip = ZipFile.OpenRead(Package))
        {
            Assert.That(zip.Entries.Select(e => e.FullName), Does.Contain("README.md")
                .And.Contain("lib/net10.0/Widescan.Contracts.dll")
                .And.Contain("lib/net10.0/Widescan.Contracts.xml"));
        }

        var symbols = Path.ChangeExtension(Package, ".snupkg");
        Assert.That(symbols, Does.Exist);
        using var symbolZip = ZipFile.OpenRead(symbols);
        Assert.That(symbolZip.Entries.Select(e => e.FullName), Does.Contain("lib/net10.0/Widescan.Contracts.pdb"));
    }

    [Test]
    public void AFreshProjectRestoresThePackageFromALocalFeedAndUsesIt()
    {
        using var project = ConsumerProject.Create("Widescan.Contracts", RepoArtifacts.ContractsVersion, """
                using Widescan.Contracts;

                var prefix = Ipv6Prefix.Parse("2001:0DB8:00a0::/44");
                Console.WriteLine($"{prefix} {prefix.Size} {prefix.Contains(Ipv6Prefix.Parse("2001:db8:a1::/48"))}");
                try
                {
                    Ipv6Prefix.Parse("2001:db8::1/32");
                }
                catch (FormatException e)
                {
                    Console.WriteLine(e.Message);
                }
                """);

        var result = project.Run();

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines[^2], Is.EqualTo($"2001:db8:a0::/44 {UInt128.One << 84} True"));
        Assert.That(lines[^1], Does.StartWith("2001:db8::1/32 has host bits set"));
        Assert.That(project.Restored("Widescan.Contracts", RepoArtifacts.ContractsVersion), Is.True,
            "the package was not restored into the project's own packages folder");
    }
}
