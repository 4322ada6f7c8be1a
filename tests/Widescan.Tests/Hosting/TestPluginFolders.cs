using Widescan.Contracts;

namespace Widescan.Tests.Hosting;

/// <summary>
/// Plugins directories for the hosting tests, made once per run in a temporary folder: the test plugin
/// published with dotnet publish, alone and next to broken folders.
/// </summary>
[SetUpFixture]
public sealed class TestPluginFolders
{
    public const string TestPluginName = "Widescan.TestPlugin";

    private static string? root;

    /// <summary>A plugins directory holding only the published test plugin.</summary>
    public static string Good => Path.Combine(Root, "good");

    /// <summary>
    /// The test plugin next to: Broken/Broken.dll (garbage bytes), Bundled/ (a copy of the test plugin
    /// carrying its own Widescan.Contracts.dll), Serilog/Serilog.dll (a library that exports nothing),
    /// Empty/ (no main assembly) and a loose stray.dll.
    /// </summary>
    public static string Mixed => Path.Combine(Root, "mixed");

    /// <summary>
    /// The test plugin twice: as itself and as Twin/Twin.dll (a copy of its folder under another name),
    /// so two plugins export a generator named "test-seq".
    /// </summary>
    public static string Twins => Path.Combine(Root, "twins");

    private static string Root => root ?? throw new InvalidOperationException("the hosting set-up fixture has not run");

    [OneTimeSetUp]
    public void PublishTestPlugins()
    {
        var temp = Directory.CreateTempSubdirectory("widescan-hosting-").FullName;
        var project = Path.Combine(RepoArtifacts.Root, "tests", "plugins", TestPluginName, TestPluginName + ".csproj");
        var published = Path.Combine(temp, "good", TestPluginName);
        var result = ProcessRunner.Run("dotnet", ["publish", project, "-c", "Release", "-o", published, "--nologo"],
            RepoArtifacts.Root, TimeSpan.FromMinutes(5));
        Assert.That(result.ExitCode, Is.Zero, $"dotnet publish of the test plugin failed: {result}");

        var mixed = Path.Combine(temp, "mixed");
        CopyFolder(published, Path.Combine(mixed, TestPluginName));

        Directory.CreateDirectory(Path.Combine(mixed, "Broken"));
        File.WriteAllBytes(Path.Combine(mixed, "Broken", "Broken.dll"), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))]);

        var bundled = Path.Combine(mixed, "Bundled");
        Directory.CreateDirectory(bundled);
        File.Copy(Path.Combine(published, TestPluginName + ".dll"), Path.Combine(bundled, "Bundled.dll"));
        File.Copy(typeof(IAddressGenerator).Assembly.Location, Path.Combine(bundled, "Widescan.Contracts.dll"));

        Directory.CreateDirectory(Path.Combine(mixed, "Serilog"));
        File.Copy(typeof(Serilog.ILogger).Assembly.Location, Path.Combine(mixed, "Serilog", "Serilog.dll"));

        Directory.CreateDirectory(Path.Combine(mixed, "Empty"));
        File.WriteAllBytes(Path.Combine(mixed, "stray.dll"), [0x4d, 0x5a]);

        var twins = Path.Combine(temp, "twins");
        CopyFolder(published, Path.Combine(twins, TestPluginName));
        CopyFolder(published, Path.Combine(twins, "Twin"));
        File.Move(Path.Combine(twins, "Twin", TestPluginName + ".dll"), Path.Combine(twins, "Twin", "Twin.dll"));
        root = temp;
    }

    [OneTimeTearDown]
    public void DeleteTestPlugins()
    {
        if (root is not null)
            Directory.Delete(root, recursive: true);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
