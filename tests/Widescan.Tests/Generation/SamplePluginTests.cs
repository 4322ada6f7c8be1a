using System.Composition;
using System.Composition.Hosting;
using System.Diagnostics;
using System.Reflection;
using McMaster.NETCore.Plugins;
using Widescan.Contracts;

namespace Widescan.Tests.Generation;

/// <summary>A third-party generator, published on its own, works through the real loader without recompiling anything.</summary>
[NonParallelizable]
public class SamplePluginTests
{
    private string folder = null!;

    [OneTimeSetUp]
    public void Publish()
    {
        var root = typeof(SamplePluginTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "WidescanRoot").Value!;
        folder = Path.Combine(Path.GetTempPath(), $"widescan-sample-{Environment.ProcessId}", "plugins", "Widescan.SamplePlugin");
        var project = Path.Combine(root, "tests", "plugins", "Widescan.SamplePlugin", "Widescan.SamplePlugin.csproj");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        using var publish = Process.Start(new ProcessStartInfo(dotnet, ["publish", project, "-c", "Release", "-o", folder, "--nologo"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = publish.StandardOutput.ReadToEndAsync();
        var errors = publish.StandardError.ReadToEnd();
        publish.WaitForExit();
        Assert.That(publish.ExitCode, Is.Zero, $"dotnet publish failed:\n{output.Result}\n{errors}");
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(folder))!, recursive: true);

    [Test]
    public void ThePublishedFolderHoldsNoCopyOfTheSharedAssemblies()
    {
        Assert.That(File.Exists(Path.Combine(folder, "Widescan.SamplePlugin.dll")), Is.True);
        Assert.That(File.Exists(Path.Combine(folder, "Widescan.Contracts.dll")), Is.False, "a copy of the contracts yields 0 exports");
        Assert.That(File.Exists(Path.Combine(folder, "System.Composition.AttributedModel.dll")), Is.False);
    }

    [Test]
    public void TheSampleGeneratorServesThroughMcMasterAndMef()
    {
        using var loader = PluginLoader.CreateFromAssemblyFile(
            Path.GetFullPath(Path.Combine(folder, "Widescan.SamplePlugin.dll")),
            isUnloadable: true,
            sharedTypes: [typeof(IAddressGenerator), typeof(ExportAttribute)]);
        var configuration = new ContainerConfiguration().WithAssembly(loader.LoadDefaultAssembly());
        using var container = configuration.CreateContainer();
        var generators = container.GetExports<Lazy<IAddressGenerator, PartMetadata>>().ToList();
        var sample = generators.Single(g => g.Metadata.Name == "sample");
        Assert.That(sample.Metadata.Kind, Is.EqualTo(PartKinds.Generator));

        var spec = Streams.Spec("2001:db8::/120") with { Shard = new ShardSpec(1, 4), StartCursor = 10 };
        var targets = Streams.Drain(sample.Value, spec, batch: 7);
        var expected = Enumerable.Range(10, 54).Select(k => Ipv6Address.Parse("2001:db8::") + 1 + (UInt128)(4 * k)).ToList();
        Assert.That(targets, Is.EqualTo(expected));
    }
}
