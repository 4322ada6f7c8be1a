using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Widescan.Tests.Hosting;

/// <summary>
/// The widescan .NET tool as a user gets it: <c>dotnet tool install widescan</c> from artifacts/ as the
/// only feed, into a fresh tool path, then run with no --plugins: the plugin bundled in the package
/// must be the one it finds. NuGet's caches and the CLI's home point into the test's own folder, so the
/// machine's package cache neither serves an older build nor keeps this one.
/// </summary>
[NonParallelizable]
public class DotnetToolTests
{
    private const string ToolRoot = "tools/net10.0/any/";
    private string work = null!;
    private string toolPath = null!;

    private static string Package
    {
        get
        {
            var packages = Directory.GetFiles(RepoArtifacts.Directory, "widescan.*.nupkg")
                .Where(p => Regex.IsMatch(Path.GetFileName(p), @"^widescan\.[0-9][^/]*\.nupkg$")).ToList();
            Assert.That(packages, Has.Count.EqualTo(1), "packaging/pack.sh makes exactly one widescan tool package");
            return packages[0];
        }
    }

    private static string PackageVersion => Path.GetFileNameWithoutExtension(Package)["widescan.".Length..];

    [OneTimeSetUp]
    public void InstallTheTool()
    {
        work = Directory.CreateTempSubdirectory("widescan-tool-").FullName;
        toolPath = Path.Combine(work, "tools");
        LocalFeed.WriteConfig(work, withNuGetOrg: false);
        var install = ProcessRunner.Run("dotnet",
            ["tool", "install", "widescan", "--version", PackageVersion, "--tool-path", toolPath, "--configfile", Path.Combine(work, "NuGet.config")],
            work, TimeSpan.FromMinutes(2), new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = Path.Combine(work, "packages"),
                ["NUGET_HTTP_CACHE_PATH"] = Path.Combine(work, "http-cache"),
                ["DOTNET_CLI_HOME"] = work,
            });
        Assert.That(install.ExitCode, Is.Zero, install.ToString());
    }

    [OneTimeTearDown]
    public void DeleteTheToolPath()
    {
        if (work is not null)
            Directory.Delete(work, recursive: true);
    }

    [Test]
    public void The_installed_tool_lists_the_bundled_plugins_parts_with_no_plugins_flag()
    {
        var result = RunTool("plugins");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var rows = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(cells => cells.Length == 5 && cells[2] == "Widescan.Plugin")
            .ToList();
        var parts = rows.Select(cells => $"{cells[0]} {cells[1]}").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(parts, Is.SupersetOf(new[]
            {
                "cpu generator", "gpu generator", "auto generator",
                "raw broadcaster", "l2 broadcaster", "auto broadcaster",
                "raw listener", "capture listener",
                "discovery module",
            }));
            Assert.That(rows.Select(cells => cells[3]), Has.All.EqualTo(PackageVersion), "the plugin's version is the package's");
            // Every part comes from the copy inside the installed package, next to widescan.dll.
            Assert.That(rows.Select(cells => cells[4]), Has.All.StartWith(Path.Combine(toolPath, ".store", "widescan"))
                .And.All.EndWith(Path.Combine(ToolRoot.TrimEnd('/'), "plugins", "Widescan.Plugin")));
            Assert.That(result.Output, Does.Contain("1 plugin(s) loaded").And.Contain("; 0 problem(s)"));
        });
    }

    [Test]
    public void The_installed_tool_prints_the_package_version()
    {
        var result = RunTool("--version");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        // The package version, then the commit it was built from when the build knew it (+sha).
        Assert.That(result.Output.Trim(), Does.Match($@"^{Regex.Escape(PackageVersion)}(\+[0-9a-f]+)?$"));
    }

    [Test]
    public void The_package_bundles_the_published_plugin_folder_and_no_second_copy_of_a_shared_assembly()
    {
        using var zip = ZipFile.OpenRead(Package);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        const string Bundled = ToolRoot + "plugins/Widescan.Plugin/";
        var bundled = entries.Where(e => e.StartsWith(Bundled, StringComparison.Ordinal)).Select(e => e[Bundled.Length..]).ToList();
        var published = Directory.EnumerateFiles(Path.Combine(RepoArtifacts.PluginsDirectory, "Widescan.Plugin"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(RepoArtifacts.PluginsDirectory, "Widescan.Plugin"), f).Replace('\\', '/'))
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(bundled, Is.EquivalentTo(published));
            Assert.That(bundled, Has.None.EqualTo("Widescan.Contracts.dll").IgnoreCase.And.None.StartsWith("System.Composition").IgnoreCase);
            // The host's own copies, once, beside widescan.dll: the ones the plugin's types unify with.
            Assert.That(entries, Does.Contain(ToolRoot + "widescan.dll").And.Contain(ToolRoot + "Widescan.Contracts.dll")
                .And.Contain(ToolRoot + "DotnetToolSettings.xml"));
            Assert.That(entries.Count(e => e.EndsWith("/Widescan.Contracts.dll", StringComparison.OrdinalIgnoreCase)), Is.EqualTo(1));
        });
    }

    private ProcessRunner.Result RunTool(params string[] arguments) =>
        // The tool's launcher finds the runtime through DOTNET_ROOT when it is not in the default
        // place; the one running these tests serves it.
        ProcessRunner.Run(Path.Combine(toolPath, "widescan"), arguments, work, TimeSpan.FromSeconds(30), new Dictionary<string, string>
        {
            ["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..")),
        });
}
