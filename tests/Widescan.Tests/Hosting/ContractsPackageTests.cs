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
        var project = Directory.CreateTempSubdirectory("widescan-consumer-").FullName;
        try
        {
            // Outside the repository: no Directory.*.props of ours applies. Its own package folder
            // keeps a cached copy of an older build of the package from masking a broken one.
            File.WriteAllText(Path.Combine(project, "Directory.Build.props"), "<Project />\n");
            File.WriteAllText(Path.Combine(project, "Directory.Packages.props"), "<Project />\n");
            File.WriteAllText(Path.Combine(project, "NuGet.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <config>
                    <add key="globalPackagesFolder" value="{Path.Combine(project, "packages")}" />
                  </config>
                  <packageSources>
                    <clear />
                    <add key="widescan-artifacts" value="{RepoArtifacts.Directory}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Widescan.Contracts" Version="{RepoArtifacts.ContractsVersion}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(project, "Program.cs"), """
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

            var result = ProcessRunner.Run("dotnet", ["run", "--nologo"], project, TimeSpan.FromMinutes(5));

            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.That(lines[^2], Is.EqualTo($"2001:db8:a0::/44 {UInt128.One << 84} True"));
            Assert.That(lines[^1], Does.StartWith("2001:db8::1/32 has host bits set"));
            Assert.That(Directory.Exists(Path.Combine(project, "packages", "widescan.contracts", RepoArtifacts.ContractsVersion)), Is.True,
                "the package was not restored into the project's own packages folder");
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }
}
