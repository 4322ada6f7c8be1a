using System.Diagnostics;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Samples.Browser;

/// <summary>
/// Publishes samples/Widescan.Bootstrap once per test run, both builds at the same time, before the
/// first browser test: the sample is restored once for each build (one after the other: the two
/// restores would write the same libraries' assets), then the Native AOT publish (minutes of ILC) and
/// the plugin-folder publish (seconds) run side by side, against the libraries this test assembly was
/// built with (<c>BuildProjectReferences=false</c>: nothing compiled twice, nothing two builds write).
/// The plugin-folder fixture runs first, while ILC is still at work.
/// </summary>
[SetUpFixture]
public sealed class BootstrapPublishing
{
    private static readonly Dictionary<BootstrapBuild, Task<Published>> Builds = [];

    /// <summary>The configuration this test assembly was built in (bin/CONFIG/net10.0/): its libraries are the ones published against.</summary>
    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The published folder of <paramref name="build"/>; fails the fixture when its publish failed.</summary>
    public static async Task<string> FolderAsync(BootstrapBuild build)
    {
        var published = await Builds[build];
        TestContext.Progress.WriteLine($"the bootstrap sample ({build}): published in {published.Elapsed.TotalSeconds:F0} s, ready {published.Ready.TotalSeconds:F0} s after publishing started");
        Assert.That(published.Result.ExitCode, Is.Zero, $"dotnet publish of the bootstrap sample ({build}) failed: {published.Result}");
        if (build == BootstrapBuild.Aot)
            Assert.That(File.Exists(Path.Combine(published.Folder, "Widescan.Bootstrap.dll")), Is.False, "an AOT publish leaves a native executable, no IL assembly");
        return published.Folder;
    }

    [OneTimeSetUp]
    public void PublishBothBuilds()
    {
        if (!NetnsLab.IsRoot)
            return; // every browser test says why it does not run
        NetnsLab.EnsureTool("chromium", "chromium");
        var started = Stopwatch.StartNew();
        var project = Path.Combine(RepoArtifacts.Root, "samples", "Widescan.Bootstrap", "Widescan.Bootstrap.csproj");
        var restored = new Dictionary<BootstrapBuild, ProcessRunner.Result>();
        foreach (var build in Enum.GetValues<BootstrapBuild>())
            restored[build] = ProcessRunner.Run("dotnet", ["restore", project, "--nologo", .. Variant(build)], RepoArtifacts.Root, TimeSpan.FromMinutes(3));
        TestContext.Progress.WriteLine($"restored the bootstrap sample (both builds) in {started.Elapsed.TotalSeconds:F0} s");
        foreach (var build in Enum.GetValues<BootstrapBuild>())
            Builds[build] = restored[build].ExitCode != 0 ? Task.FromResult(new Published("", restored[build], TimeSpan.Zero, TimeSpan.Zero)) : Task.Run(() => Publish(project, build, started));
    }

    [OneTimeTearDown]
    public void DeleteThePublishedBuilds()
    {
        foreach (var task in Builds.Values)
        {
            // Wait for a publish no test awaited (a filtered run), then remove its folder.
            if (task.Wait(TimeSpan.FromMinutes(8)) && task.Result.Folder.Length > 0 && Directory.Exists(task.Result.Folder))
                Directory.Delete(task.Result.Folder, recursive: true);
        }

        Builds.Clear();
    }

    private static Published Publish(string project, BootstrapBuild build, Stopwatch started)
    {
        var folder = Directory.CreateTempSubdirectory($"widescan-bootstrap-{build}-").FullName;
        var clock = Stopwatch.StartNew();
        var result = ProcessRunner.Run("dotnet",
            ["publish", project, "-c", Configuration, "-o", folder, "--nologo", "--no-restore", "-p:BuildProjectReferences=false", .. Variant(build)],
            RepoArtifacts.Root, TimeSpan.FromMinutes(8));
        return new Published(folder, result, clock.Elapsed, started.Elapsed);
    }

    private static string[] Variant(BootstrapBuild build) => build == BootstrapBuild.PluginFolder ? ["-p:WidescanPluginFolder=true"] : [];

    private sealed record Published(string Folder, ProcessRunner.Result Result, TimeSpan Elapsed, TimeSpan Ready);
}
