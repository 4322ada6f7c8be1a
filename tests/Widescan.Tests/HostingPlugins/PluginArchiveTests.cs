using System.IO.Compression;
using Widescan.Hosting.Plugins;

namespace Widescan.Tests.HostingPlugins;

/// <summary>PluginArchive.Extract: a zip unpacks into its cache once; a hostile zip writes nothing.</summary>
public sealed class PluginArchiveTests
{
    private string directory = "";

    [SetUp]
    public void CreateDirectory() => directory = Directory.CreateTempSubdirectory("widescan-plugin-zip-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    [Test]
    public void A_zip_unpacks_once_and_a_second_extract_reuses_it()
    {
        var zip = Zip("good.zip", ("P/P.dll", 0), ("P/", 0));
        var cache = Path.Combine(directory, "cache");
        var (first, problems) = PluginArchive.Extract(zip, cache);
        File.WriteAllText(Path.Combine(first!, "P", "marker"), "kept");
        var (second, _) = PluginArchive.Extract(zip, cache);
        Assert.Multiple(() =>
        {
            Assert.That(problems, Is.Empty);
            Assert.That(File.ReadAllText(Path.Combine(first!, "P", "P.dll")), Is.EqualTo("P/P.dll"));
            Assert.That(second, Is.EqualTo(first));
            Assert.That(File.Exists(Path.Combine(second!, "P", "marker")), Is.True, "the same copy, not unpacked again");
        });
    }

    [TestCase("../evil.dll")]
    [TestCase("P/../../evil.dll")]
    [TestCase("/tmp/evil.dll")]
    public void An_entry_outside_the_directory_refuses_the_whole_zip(string entry)
    {
        var zip = Zip("traversal.zip", ("P/P.dll", 0), (entry, 0));
        var cache = Path.Combine(directory, "cache");
        var (unpacked, problems) = PluginArchive.Extract(zip, cache);
        Assert.Multiple(() =>
        {
            Assert.That(unpacked, Is.Null);
            Assert.That(problems.Single().ToString(), Does.Contain("traversal.zip").And.Contains(entry).And.Contains("outside the plugins directory"));
            Assert.That(Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories).Where(p => !p.StartsWith(cache, StringComparison.Ordinal)),
                Is.EquivalentTo(new[] { zip }), "nothing written beside the cache");
            Assert.That(Directory.EnumerateFileSystemEntries(cache), Is.Empty, "no copy and no staging left in the cache");
        });
    }

    [Test]
    public void A_symbolic_link_entry_refuses_the_whole_zip()
    {
        var zip = Zip("link.zip", ("P/P.dll", 0), ("P/link", 0xA1FF));
        var (unpacked, problems) = PluginArchive.Extract(zip, Path.Combine(directory, "cache"));
        Assert.Multiple(() =>
        {
            Assert.That(unpacked, Is.Null);
            Assert.That(problems.Single().Cause, Does.Contain("P/link is a symbolic link"));
        });
    }

    [Test]
    public void A_file_that_is_no_zip_is_a_problem_not_a_crash()
    {
        var zip = Path.Combine(directory, "bad.zip");
        File.WriteAllText(zip, "not a zip");
        var (unpacked, problems) = PluginArchive.Extract(zip, Path.Combine(directory, "cache"));
        Assert.Multiple(() =>
        {
            Assert.That(unpacked, Is.Null);
            Assert.That(problems.Single().ToString(), Does.Contain("bad.zip").And.Contains("not a valid zip"));
        });
    }

    /// <summary>A zip of entries whose text is their name; mode, when not 0, is the Unix mode (0xA1FF: a link).</summary>
    private string Zip(string name, params (string Entry, int Mode)[] entries)
    {
        var path = Path.Combine(directory, name);
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (entry, mode) in entries)
        {
            var e = archive.CreateEntry(entry);
            if (mode != 0)
                e.ExternalAttributes = mode << 16;
            if (!entry.EndsWith('/'))
            {
                using var writer = new StreamWriter(e.Open());
                writer.Write(entry);
            }
        }

        return path;
    }
}
