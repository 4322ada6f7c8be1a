using System.Reflection;
using Widescan.Contracts;
using Widescan.Hosting.Plugins;

namespace Widescan.Tests.Hosting;

/// <summary>
/// The version policy: one AssemblyVersion per major version of the contracts, the version a part was
/// built for in its metadata, and a catalog that refuses a plugin built for newer contracts by name.
/// </summary>
public class ContractsVersionTests
{
    [Test]
    public void TheContractsAssemblyVersionIsFixedPerMajorVersionAndTheConstantIsTheRelease()
    {
        var assembly = typeof(ContractsVersion).Assembly;
        var release = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+', '-')[0];
        var version = Version.Parse(release);
        Assert.Multiple(() =>
        {
            Assert.That(assembly.GetName().Version, Is.EqualTo(new Version(version.Major, 0, 0, 0)));
            Assert.That($"{version.Major}.{version.Minor}", Is.EqualTo(ContractsVersion.Current));
            Assert.That(ContractsVersion.Loaded, Is.EqualTo(new Version(version.Major, version.Minor)));
        });
    }

    [Test]
    public void SupportsTheSameMajorUpToItsOwnMinor()
    {
        var host = ContractsVersion.Loaded;
        Assert.Multiple(() =>
        {
            Assert.That(ContractsVersion.Supports(ContractsVersion.Current, out _), Is.True);
            Assert.That(ContractsVersion.Supports($"{host.Major}.0", out _), Is.True);
            Assert.That(ContractsVersion.Supports(null, out _), Is.True, "a part built before parts carried the version");
            Assert.That(ContractsVersion.Supports($"{host.Major}.{host.Minor + 1}", out var newer), Is.False);
            Assert.That(newer, Is.EqualTo($"was built for Widescan.Contracts {host.Major}.{host.Minor + 1}, this host has {host.Major}.{host.Minor}"));
            Assert.That(ContractsVersion.Supports($"{host.Major + 1}.0", out var major), Is.False);
            Assert.That(major, Does.Contain($"built for Widescan.Contracts {host.Major + 1}.0"));
            Assert.That(ContractsVersion.Supports("soon", out var bad), Is.False);
            Assert.That(bad, Does.Contain("'soon' is not a version"));
        });
    }

    [Test]
    public void EveryPartOfThePluginSaysWhichContractsItWasBuiltFor()
    {
        var assembly = typeof(Widescan.Plugin.Generation.CpuAddressGenerator).Assembly;
        Assert.That(ExportScanner.ContractsVersions(assembly), Is.EqualTo(new[] { ContractsVersion.Current }), "no part without the metadata");
        Assert.That(PluginFolder.ContractsProblem(assembly, "Widescan.Plugin"), Is.Null);
    }

    [Test]
    public void APluginBuiltAgainstNewerContractsIsRefusedWithBothVersions()
    {
        // A real build of the test plugin against the contracts built as a newer minor release (its
        // own bin and obj, so the repository's build is left alone).
        var temp = Directory.CreateTempSubdirectory("widescan-newer-").FullName;
        try
        {
            var newer = $"{ContractsVersion.Loaded.Major}.{ContractsVersion.Loaded.Minor + 98}";
            var project = Path.Combine(RepoArtifacts.Root, "tests", "plugins", TestPluginFolders.TestPluginName, TestPluginFolders.TestPluginName + ".csproj");
            var plugins = Path.Combine(temp, "plugins");
            var result = ProcessRunner.Run("dotnet",
                ["publish", project, "-c", "Release", "-o", Path.Combine(plugins, TestPluginFolders.TestPluginName), "--nologo",
                 "--artifacts-path", Path.Combine(temp, "build"), $"-p:Version={newer}.0"],
                RepoArtifacts.Root, TimeSpan.FromMinutes(5));
            Assert.That(result.ExitCode, Is.Zero, $"dotnet publish of the newer test plugin failed: {result}");

            using var catalog = PluginCatalog.Load(plugins);

            Assert.That(catalog.Plugins, Is.Empty);
            Assert.That(catalog.Problems.Select(p => (p.File, p.Cause)), Is.EqualTo(new[]
            {
                (TestPluginFolders.TestPluginName + ".dll",
                 $"plugin {TestPluginFolders.TestPluginName} was built for Widescan.Contracts {newer}, this host has {ContractsVersion.Current}: " +
                 $"update the host, or use a release of the plugin built for Widescan.Contracts {ContractsVersion.Current} or older"),
            }));
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }
}
