using Widescan.Host;

namespace Widescan.Tests.Hosting;

public class PluginsCommandTests
{
    [Test]
    public void ListsEveryExportAndExitsZeroWhenAllPluginsLoad()
    {
        var (code, output, error) = Run("plugins", "--plugins", TestPluginFolders.Good);

        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "NAME", "KIND", "ASSEMBLY", "FOLDER" }));
        Assert.That(lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            "test-seq", "generator", TestPluginFolders.TestPluginName, "0.1.0", Path.Combine(TestPluginFolders.Good, TestPluginFolders.TestPluginName),
        }));
        Assert.That(error, Is.Empty);
    }

    [Test]
    public void ReportsEachBrokenFolderByNameAndExitsOne()
    {
        // The global option is accepted before the command too.
        var (code, output, error) = Run("--plugins", TestPluginFolders.Mixed, "plugins");

        Assert.That(code, Is.EqualTo(ExitCodes.PluginProblems));
        Assert.That(output, Does.Contain("test-seq"));
        var problems = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(problems, Has.Length.EqualTo(5));
        Assert.That(problems, Has.Some.Contains(Path.Combine("Broken", "Broken.dll") + ": not a valid .NET assembly"));
        Assert.That(problems, Has.Some.Contains(Path.Combine("Bundled", "Widescan.Contracts.dll") + ": the plugin carries its own copy of the contracts"));
    }

    [Test]
    public void ReportsTwoExportsOfOneKindAndNameAsAProblemNamingBothSources()
    {
        var (code, output, error) = Run("plugins", "--plugins", TestPluginFolders.Twins);

        var twin = Path.Combine(TestPluginFolders.Twins, "Twin");
        var original = Path.Combine(TestPluginFolders.Twins, TestPluginFolders.TestPluginName);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(ExitCodes.PluginProblems), "a name every lookup refuses is a problem");
            Assert.That(output.Split('\n').Count(l => l.StartsWith("test-seq ", StringComparison.Ordinal)), Is.EqualTo(2), "both exports are still listed: " + output);
            Assert.That(output, Does.Contain("2 plugin(s) loaded").And.Contain("1 problem(s)"));
            Assert.That(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
            {
                $"problem: {TestPluginFolders.Twins}: 2 generator exports are named 'test-seq' (names compare ignoring case): " +
                $"'test-seq' (Widescan.TestPlugin.SequentialGenerator) of Widescan.TestPlugin 0.1.0 in {twin} and " +
                $"'test-seq' (Widescan.TestPlugin.SequentialGenerator) of Widescan.TestPlugin 0.1.0 in {original}; " +
                "a lookup of that name is refused, so rename one or remove its plugin",
            }));
        });
    }

    [TestCase("plugins", "--no-such-option")]
    [TestCase("no-such-command")]
    [TestCase("plugins", "--plugins")]
    [TestCase]
    public void BadUsageExitsTwoAndSaysWhy(params string[] args)
    {
        var (code, _, error) = Run(args);

        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.StartWith("widescan: ").And.Contain("widescan --help"));
    }

    private static CliRun.Result Run(params string[] args) => CliRun.Run(args);
}
