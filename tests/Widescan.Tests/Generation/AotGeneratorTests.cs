using Widescan.Contracts;
using Widescan.Plugin.Generation;

namespace Widescan.Tests.Generation;

/// <summary>
/// The generators WidescanPlugin.Generators() offers where dynamic code is unsupported (Native AOT):
/// auto is the CPU under its own name, and gpu cannot serve and says what to use instead.
/// (BootstrapBrowserTests runs them compiled AOT; here they run on the JIT, as plain classes.)
/// </summary>
public sealed class AotGeneratorTests
{
    private static readonly TargetSpec Spec = new() { Include = [Ipv6Prefix.Parse("2001:db8:100::/116")], AllowReserved = true, Seed = 0x5eed };

    [Test]
    public void Gpu_under_AOT_cannot_serve_and_says_to_use_cpu()
    {
        var gpu = new NoGpuUnderAot();
        var problem = Assert.Throws<InvalidOperationException>(() => gpu.Open(Spec))!;
        Assert.Multiple(() =>
        {
            Assert.That(gpu.Name, Is.EqualTo("gpu"));
            Assert.That(gpu.Availability.IsAvailable, Is.False);
            Assert.That(gpu.Availability.Reason, Does.Contain("not available under Native AOT").And.Contain("use Generator cpu"));
            Assert.That(problem.Message, Is.EqualTo(gpu.Availability.Reason));
        });
    }

    [Test]
    public void Auto_under_AOT_is_the_cpu_generator_bit_for_bit()
    {
        var auto = new AutoWithoutGpu();
        Assert.Multiple(() =>
        {
            Assert.That(auto.Name, Is.EqualTo("auto"));
            Assert.That(auto.Availability.IsAvailable, Is.True);
            Assert.That(auto.Description, Does.StartWith("auto: CPU"));
            Assert.That(Read(auto), Is.EqualTo(Read(new CpuAddressGenerator())));
        });
    }

    private static UInt128[] Read(IAddressGenerator generator)
    {
        using var stream = generator.Open(Spec);
        var all = new List<UInt128>();
        var batch = new UInt128[1024];
        for (int n; (n = stream.Fill(batch)) > 0;)
            all.AddRange(batch.AsSpan(0, n));
        Assert.That(all, Has.Count.EqualTo(4096));
        return [.. all];
    }
}
