using Widescan.Contracts;
using Widescan.Host;
using Widescan.Hosting.Plugins;

namespace Widescan.Tests.Hosting;

/// <summary>
/// The CLI finds parts as the module does (<see cref="PartLookup"/>): a name in any case, and two
/// plugins exporting one name refused with both named, in-process over the published test plugin.
/// </summary>
public class PartNameTests
{
    private string twins = null!;

    [OneTimeSetUp]
    public void MakeTwins()
    {
        // The test plugin twice, the second copy under another folder name: two "test-seq" generators.
        twins = Directory.CreateTempSubdirectory("widescan-twins-").FullName;
        var published = Path.Combine(TestPluginFolders.Good, TestPluginFolders.TestPluginName);
        foreach (var (folder, main) in new[] { (TestPluginFolders.TestPluginName, TestPluginFolders.TestPluginName), ("Twin", "Twin") })
        {
            var target = Directory.CreateDirectory(Path.Combine(twins, folder)).FullName;
            foreach (var file in Directory.GetFiles(published))
            {
                var name = Path.GetFileName(file) == TestPluginFolders.TestPluginName + ".dll" ? main + ".dll" : Path.GetFileName(file);
                File.Copy(file, Path.Combine(target, name));
            }
        }
    }

    [OneTimeTearDown]
    public void DeleteTwins() => Directory.Delete(twins, recursive: true);

    [TestCase("test-seq")]
    [TestCase("TEST-SEQ")]
    public void Generate_finds_a_generator_whatever_the_case_of_its_name(string name)
    {
        var output = Path.Combine(twins, $"{name}.txt");
        var run = CliRun.Run("--plugins", TestPluginFolders.Good, "generate", "--prefix", "2001:db8::/124", "--allow-reserved", "--generator", name, "--output", output);

        Assert.That(run.Code, Is.Zero, run.ToString());
        Assert.That(File.ReadAllLines(output).Select(Ipv6Address.Parse), Is.EquivalentTo(Enumerable.Range(0, 16).Select(i => Ipv6Prefix.Parse("2001:db8::/124").Network + (UInt128)i)));
    }

    [Test]
    public void Two_plugins_exporting_one_generator_name_are_refused_naming_the_clash()
    {
        using (var catalog = PluginCatalog.Load(twins))
            Assert.That(catalog.Generators().Select(g => g.Metadata.Name), Is.EqualTo(new[] { "test-seq", "test-seq" }), string.Join("; ", catalog.Problems));

        var output = Path.Combine(twins, "clash.txt");
        var run = CliRun.Run("--plugins", twins, "generate", "--prefix", "2001:db8::/124", "--allow-reserved", "--generator", "Test-Seq", "--output", output);

        Assert.That(run.Code, Is.EqualTo(ExitCodes.Failure), run.ToString());
        Assert.That(run.Error, Does.Contain("2 generator parts are named 'Test-Seq' ('test-seq', 'test-seq'; names compare ignoring case)"));
        Assert.That(File.Exists(output), Is.False, "nothing generated");
    }
}
