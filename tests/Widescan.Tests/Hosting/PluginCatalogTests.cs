using Widescan.Contracts;
using Widescan.Hosting.Plugins;

namespace Widescan.Tests.Hosting;

public class PluginCatalogTests
{
    private static readonly Ipv6Prefix Small = Ipv6Prefix.Parse("2001:db8::/124");

    [Test]
    public void LoadsThePublishedTestPluginAndListsItsGenerator()
    {
        using var catalog = PluginCatalog.Load(TestPluginFolders.Good);

        Assert.That(catalog.Problems, Is.Empty);
        var plugin = catalog.Plugins.Single();
        Assert.Multiple(() =>
        {
            Assert.That(plugin.Name, Is.EqualTo(TestPluginFolders.TestPluginName));
            Assert.That(plugin.Folder, Is.EqualTo(Path.Combine(TestPluginFolders.Good, TestPluginFolders.TestPluginName)));
            Assert.That(plugin.Exports, Is.EqualTo(new[]
            {
                new PluginExport("test-seq", PartKinds.Generator, typeof(IAddressGenerator).FullName!, "Widescan.TestPlugin.SequentialGenerator"),
            }));
            Assert.That(catalog.Generators().Select(g => (g.Metadata.Name, g.Metadata.Kind)), Is.EqualTo(new[] { ("test-seq", PartKinds.Generator) }));
        });
    }

    [Test]
    public void TheLoadedGeneratorServesThroughTheSharedContracts()
    {
        using var catalog = PluginCatalog.Load(TestPluginFolders.Good);
        var generator = catalog.FindGenerator("test-seq");
        Assert.That(generator, Is.Not.Null, string.Join("; ", catalog.Problems));

        var spec = new TargetSpec { Include = [Small], AllowReserved = true, Shard = new ShardSpec(1, 4) };
        using var stream = generator!.Open(spec);
        var batch = new UInt128[8];
        var filled = stream.Fill(batch);

        // Shard 1 of 4 takes positions 1, 5, 9 and 13 of the prefix in plain order.
        Assert.That(batch[..filled], Is.EqualTo(new[] { 1, 5, 9, 13 }.Select(i => Small.Network + (UInt128)i)));
        Assert.That(stream.Fill(batch), Is.Zero);
        Assert.That(stream.Cursor, Is.EqualTo(stream.Positions));
    }

    [Test]
    public void BrokenFoldersAreReportedByFileNameWhileTheGoodPluginLoads()
    {
        using var catalog = PluginCatalog.Load(TestPluginFolders.Mixed);

        Assert.That(catalog.Plugins.Select(p => p.Name), Is.EqualTo(new[] { TestPluginFolders.TestPluginName }));
        Assert.That(catalog.FindGenerator("test-seq"), Is.Not.Null);

        var byFile = catalog.Problems.ToDictionary(p => Path.Combine(Path.GetFileName(p.Folder), p.File), p => p.Cause);
        Assert.That(byFile.Keys, Is.EquivalentTo(new[]
        {
            Path.Combine("Broken", "Broken.dll"),
            Path.Combine("Bundled", "Widescan.Contracts.dll"),
            Path.Combine("Serilog", "Serilog.dll"),
            Path.Combine("Empty", "Empty.dll"),
            Path.Combine("mixed", "stray.dll"),
        }));
        Assert.Multiple(() =>
        {
            Assert.That(byFile[Path.Combine("Broken", "Broken.dll")], Does.Contain("bad image"));
            Assert.That(byFile[Path.Combine("Bundled", "Widescan.Contracts.dll")], Does.Contain("own copy of the contracts").And.Contain("delete it"));
            Assert.That(byFile[Path.Combine("Serilog", "Serilog.dll")], Does.StartWith("exports nothing"));
            Assert.That(byFile[Path.Combine("Empty", "Empty.dll")], Does.StartWith("missing"));
            Assert.That(byFile[Path.Combine("mixed", "stray.dll")], Does.Contain("stray/stray.dll"));
        });
    }

    [Test]
    public void AMissingPluginsDirectoryIsAProblemNotACrash()
    {
        var missing = Path.Combine(TestPluginFolders.Good, "no-such-directory");
        using var catalog = PluginCatalog.Load(missing);

        Assert.That(catalog.Plugins, Is.Empty);
        Assert.That(catalog.Problems.Single().Cause, Does.Contain("does not exist"));
        Assert.That(catalog.Generators(), Is.Empty);
    }

    [Test]
    public void PartsCannotBeTakenFromADisposedCatalog()
    {
        var catalog = PluginCatalog.Load(TestPluginFolders.Good);
        var plugin = catalog.Plugins.Single();
        catalog.Dispose();

        Assert.Throws<ObjectDisposedException>(() => catalog.Generators());
        Assert.Throws<ObjectDisposedException>(() => _ = plugin.Assembly);
    }
}
