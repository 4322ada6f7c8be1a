using Widescan.Contracts;
using Widescan.Plugin.Generation;

namespace Widescan.Tests.Generation;

/// <summary>The GPU kernel on ILGPU's CPU accelerator must give the CPU generator's exact output.</summary>
[NonParallelizable]
public class GpuEmulatorTests
{
    private GpuAddressGenerator emulator = null!;

    [OneTimeSetUp]
    public void StartEmulator() => emulator = new GpuAddressGenerator { Device = GpuDevice.Emulator };

    [OneTimeTearDown]
    public void StopEmulator()
    {
        emulator.Dispose();
        File.Delete(ListPath);
    }

    private static IEnumerable<TestCaseData> Specs()
    {
        yield return new TestCaseData(Streams.Spec("2001:db8::/112", 77)).SetName("A112");
        yield return new TestCaseData(Streams.Spec("2001:db8::/48", 5) with { SubnetBits = 64, Iid = IidPattern.Parse("random") }).SetName("WindowRandom");
        yield return new TestCaseData(Streams.Spec("2001:db8::/60", 6) with { SubnetBits = 64, Iid = IidPattern.Parse("eui64:00:50:56"), Shard = new ShardSpec(0, 256) }).SetName("WindowEui64Sharded");
        yield return new TestCaseData(Streams.Spec("2001:db8::/56", 9) with { SubnetBits = 64, Iid = IidPattern.Parse("low:1-ff") }).SetName("WindowLowRange");
        yield return new TestCaseData(Streams.Spec("2001:db8::/110", 3, "2001:db8::1:0/112", "2001:db8::77/128") with { Shard = new ShardSpec(2, 3) }).SetName("ShardedWithExclusions");
        yield return new TestCaseData(Streams.Spec("2001:db8::/112", 12) with { Shard = new ShardSpec(1, 2), StartCursor = 12_345 }).SetName("Resumed");
        yield return new TestCaseData(Targets.PrefixWindowTests.MixedWindows(IidPattern.Parse("random"))).SetName("PerPrefixWindowsRandom");
        yield return new TestCaseData(RendezvousGenerationTests.Window("2001:db8:40::/54", IidPattern.Rendezvous(
            Convert.FromHexString(Targets.RendezvousVectors.KeySecret), Convert.FromHexString(Targets.RendezvousVectors.NameSecret), 2))
            with { Shard = new ShardSpec(1, 2) }).SetName("WindowRendezvousBothKeysSharded");
        yield return new TestCaseData(ListSpec() with { Shard = new ShardSpec(1, 3) }).SetName("TargetsFileSharded");
        yield return new TestCaseData(ListSpec() with { StartCursor = 2_500 }).SetName("TargetsFileResumed");
    }

    // An address list (TargetSpec.TargetFiles) of 10,000 scattered addresses with duplicates, written
    // once per run: the kernel must map index -> list[index] as the CPU does.
    private static string ListPath => Path.Combine(Path.GetTempPath(), $"widescan-emulator-list-{Environment.ProcessId}.txt");

    private static TargetSpec ListSpec()
    {
        var path = ListPath;
        if (!File.Exists(path))
        {
            var basis = Ipv6Address.Parse("2001:db8:77::");
            File.WriteAllLines(path, Enumerable.Range(0, 10_000).Select(k => Ipv6Address.Format(basis + ((UInt128)(uint)(k % 13) << 80) + (UInt128)(ulong)(k * 104_729 % 9_973))));
        }

        return new TargetSpec { TargetFiles = [path], Seed = 19, AllowReserved = true };
    }

    [TestCaseSource(nameof(Specs))]
    public void KernelOutputEqualsTheCpuGenerator(TargetSpec spec)
    {
        Assert.That(emulator.Availability.IsAvailable, Is.True, emulator.Availability.Reason);
        var cpu = Streams.Drain(Streams.Cpu(), spec, batch: 10_000);
        var gpu = Streams.Drain(emulator, spec, batch: 10_000);
        Assert.That(cpu, Is.Not.Empty);
        Assert.That(gpu, Is.EqualTo(cpu));
    }

    [Test]
    public void A_list_the_device_cannot_hold_is_one_clear_error_and_the_device_still_serves()
    {
        using var device = GpuDevice.TryOpen(GpuDevice.Emulator, out var reason) ?? throw new AssertionException(reason);
        var e = Assert.Throws<InvalidOperationException>(() => new GpuAddressStream(ListSpec(), device,
            (_, length) => throw new OutOfMemoryException($"{length} elements do not fit")))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.StartWith("the gpu generator cannot hold the target list (").And.Contain("addresses, 0 MiB) on ILGPU CPU accelerator"));
            Assert.That(e.Message, Does.Contain("elements do not fit; use the cpu generator (WidescanOptions.Generator \"cpu\")"));
            Assert.That(e.InnerException, Is.InstanceOf<OutOfMemoryException>());
        });

        // What the failed stream allocated went back: the device opens the same list again and maps it as the CPU does.
        using var stream = new GpuAddressStream(ListSpec(), device);
        Assert.That(Streams.Drain(stream, batch: 10_000), Is.EqualTo(Streams.Drain(Streams.Cpu(), ListSpec(), batch: 10_000)));
    }

    [Test]
    public void AutoNeverPicksTheEmulator()
    {
        using var auto = new AutoAddressGenerator(new GpuAddressGenerator { Device = GpuDevice.Emulator }, Streams.Cpu());
        Assert.That(auto.Chosen.Name, Is.EqualTo("cpu"));
    }

    [Test]
    public void WithoutAGpuTheGpuGeneratorSaysSo()
    {
        using var gpu = new GpuAddressGenerator { Device = "auto" };
        Assume.That(gpu.HasRealGpu, Is.False, "this machine has a real GPU, so the no-GPU path cannot be observed here");
        Assert.That(gpu.Availability.IsAvailable, Is.False);
        Assert.That(gpu.Availability.Reason, Does.Contain("no usable GPU").Or.Contain("ILGPU could not start"));
        var e = Assert.Throws<InvalidOperationException>(() => gpu.Open(Streams.Spec("2001:db8::/120")));
        Assert.That(e!.Message, Does.Contain("gpu generator cannot serve"));
        using var auto = new AutoAddressGenerator(new GpuAddressGenerator { Device = "auto" }, Streams.Cpu());
        Assert.That(auto.Chosen.Name, Is.EqualTo("cpu"));
    }
}
