using System.IO.Compression;
using Widescan.Contracts;
using Widescan.Hosting.Plugins;

namespace Widescan.Tests.Hosting;

/// <summary>The drop-in plugin folder and zip that packaging/pack.sh builds, loaded as a host would.</summary>
public class PackagedPluginTests
{
    private static string PluginFolder => Path.Combine(RepoArtifacts.PluginsDirectory, "Widescan.Plugin");

    [Test]
    public void ThePackagedFolderHoldsThePluginButNoSharedAssembly()
    {
        var files = Directory.EnumerateFiles(PluginFolder).Select(Path.GetFileName).ToList();

        Assert.That(files, Does.Contain("Widescan.Plugin.dll").And.Contain("Widescan.Plugin.deps.json"));
        Assert.That(files, Has.None.EqualTo("Widescan.Contracts.dll").IgnoreCase);
        Assert.That(files, Has.None.StartsWith("System.Composition").IgnoreCase);
    }

    [Test]
    public void TheZipUnpacksToThePluginFolder()
    {
        using var zip = ZipFile.OpenRead(Path.Combine(RepoArtifacts.Directory, "Widescan.Plugin.zip"));
        var entries = zip.Entries.Where(e => e.Length > 0).Select(e => e.FullName).ToList();
        var folder = Directory.EnumerateFiles(PluginFolder).Select(f => "Widescan.Plugin/" + Path.GetFileName(f)).ToList();

        Assert.That(entries, Is.EquivalentTo(folder));
    }

    [Test]
    public void ThePackagedPluginLoadsWithoutProblemsAndExportsTheCpuGenerator()
    {
        using var catalog = PluginCatalog.Load(RepoArtifacts.PluginsDirectory);

        Assert.That(catalog.Problems, Is.Empty);
        Assert.That(catalog.Plugins.Select(p => p.Name), Is.EqualTo(new[] { "Widescan.Plugin" }));
        Assert.That(catalog.Plugins[0].Exports, Has.Some.Matches<PluginExport>(e => e.Name == "cpu" && e.Kind == PartKinds.Generator));
        Assert.That(catalog.FindGenerator("cpu")?.Name, Is.EqualTo("cpu"));
    }
}
