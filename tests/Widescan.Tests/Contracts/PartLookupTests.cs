using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

/// <summary><see cref="PartLookup"/>: the one lookup of parts by name for the module and every host.</summary>
public class PartLookupTests
{
    private static readonly Lazy<string, PartMetadata>[] Parts = [Part("cpu"), Part("gpu"), Part("auto")];

    [TestCase("cpu")]
    [TestCase("CPU")]
    [TestCase("Cpu")]
    public void A_name_is_found_whatever_its_case(string name) =>
        Assert.That(PartLookup.Find(Parts, PartKinds.Generator, name)?.Value, Is.EqualTo("part cpu"));

    [Test]
    public void A_missing_name_is_null_and_the_message_lists_what_is_offered()
    {
        Assert.That(PartLookup.Find(Parts, PartKinds.Generator, "fpga"), Is.Null);
        Assert.That(PartLookup.NotFound(Parts, PartKinds.Generator, "fpga"), Is.EqualTo("no generator named 'fpga'; the plugins offer: auto, cpu, gpu"));
        Assert.That(PartLookup.NotFound(Array.Empty<Lazy<string, PartMetadata>>(), PartKinds.Listener, "raw"), Is.EqualTo("no listener named 'raw': no plugin exports a listener"));
    }

    [Test]
    public void Two_parts_named_alike_are_refused_and_none_is_created()
    {
        var created = 0;
        Lazy<string, PartMetadata> Counted(string name) => new(() => { created++; return name; }, new PartMetadata { Name = name });
        Lazy<string, PartMetadata>[] parts = [Counted("cpu"), Counted("seq"), Counted("CPU")];

        var e = Assert.Throws<DuplicatePartException>(() => PartLookup.Find(parts, PartKinds.Generator, "cpu"));
        Assert.Multiple(() =>
        {
            Assert.That(e!.Kind, Is.EqualTo(PartKinds.Generator));
            Assert.That(e.Names, Is.EqualTo(new[] { "cpu", "CPU" }));
            Assert.That(e.Message, Does.StartWith("2 generator parts are named 'cpu' ('cpu', 'CPU'; names compare ignoring case)"));
            Assert.That(PartLookup.Find(parts, PartKinds.Generator, "seq")?.Value, Is.EqualTo("seq"), "another name is still found");
            Assert.That(PartLookup.Duplicates(parts), Is.EqualTo(new[] { "cpu" }));
            Assert.That(created, Is.EqualTo(1), "only the part found is created");
        });
    }

    private static Lazy<string, PartMetadata> Part(string name) => new(() => $"part {name}", new PartMetadata { Name = name, Kind = PartKinds.Generator });
}
