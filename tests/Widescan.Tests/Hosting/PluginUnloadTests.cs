using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Widescan.Contracts;
using Widescan.Hosting.Plugins;

namespace Widescan.Tests.Hosting;

/// <summary>
/// A plugin's load context is collected once the catalog is disposed and no plugin object is kept:
/// the host can drop (or replace) a plugin without restarting.
/// </summary>
public class PluginUnloadTests
{
    [Test]
    public void TheTestPluginsContextIsCollectedAfterDispose() =>
        AssertCollected(LoadUseAndDispose(TestPluginFolders.Good, TestPluginFolders.TestPluginName, "test-seq"));

    [Test]
    public void ThePackagedPluginsContextIsCollectedAfterDispose() =>
        AssertCollected(LoadUseAndDispose(RepoArtifacts.PluginsDirectory, "Widescan.Plugin", "cpu"));

    private static void AssertCollected(WeakReference context)
    {
        for (var i = 0; i < 20 && context.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.That(context.IsAlive, Is.False, "the plugin's load context was not collected: something still holds a plugin object");
    }

    /// <summary>Loads, draws a batch from the generator, disposes; only a weak reference leaves this frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference LoadUseAndDispose(string pluginsDirectory, string pluginName, string generatorName)
    {
        var catalog = PluginCatalog.Load(pluginsDirectory);
        try
        {
            var plugin = catalog.Plugins.SingleOrDefault(p => p.Name == pluginName);
            Assert.That(plugin, Is.Not.Null, $"{pluginName} did not load: {string.Join("; ", catalog.Problems)}");
            var context = AssemblyLoadContext.GetLoadContext(plugin!.Assembly)!;
            Assert.That(context, Is.Not.SameAs(AssemblyLoadContext.Default));
            Assert.That(context.IsCollectible, Is.True);

            var generator = catalog.FindGenerator(generatorName);
            Assert.That(generator, Is.Not.Null, $"{pluginName} exports no generator {generatorName}");
            var spec = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/120")], AllowReserved = true };
            using (var stream = generator!.Open(spec))
                Assert.That(stream.Fill(new UInt128[16]), Is.EqualTo(16));
            return new WeakReference(context);
        }
        finally
        {
            catalog.Dispose();
        }
    }
}
