using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

public class ReservedPrefixesTests
{
    [TestCase("::", "Unspecified")]
    [TestCase("::1", "Loopback")]
    [TestCase("::ffff:192.0.2.1", "IPv4-mapped")]
    [TestCase("64:ff9b::192.0.2.1", "IPv4-IPv6 Translation")]
    [TestCase("100::1", "Discard-Only")]
    [TestCase("2001::1", "IETF Protocol Assignments")]
    [TestCase("2001:db8:1234::1", "Documentation")]
    [TestCase("2002:c000:201::1", "6to4")]
    [TestCase("3fff:1::1", "Documentation")]
    [TestCase("5f00::1", "Segment Routing")]
    [TestCase("fd12:3456::1", "Unique-Local")]
    [TestCase("fe80::1", "Link-Local")]
    [TestCase("ff02::1", "Multicast")]
    [TestCase("ff0e::1", "Multicast")]
    public void ReservedAddressesAreFoundWithTheirReason(string address, string reason)
    {
        var entry = ReservedPrefixes.Find(Ipv6Address.Parse(address));
        Assert.That(entry, Is.Not.Null, address);
        Assert.That(entry!.Name, Does.Contain(reason));
        Assert.That(entry.Reference, Does.StartWith("RFC "));
    }

    [TestCase("2a00:1450:4001::1")]
    [TestCase("2600::1")]
    [TestCase("2001:200::1")]
    [TestCase("3ffe::1")]
    public void GlobalUnicastIsNotReserved(string address) =>
        Assert.That(ReservedPrefixes.Find(Ipv6Address.Parse(address)), Is.Null);

    [Test]
    public void EveryEntryIsAValidPrefixWithAReason()
    {
        Assert.That(ReservedPrefixes.Default, Has.Count.GreaterThanOrEqualTo(20));
        foreach (var entry in ReservedPrefixes.Default)
        {
            Assert.That(entry.Name, Is.Not.Empty);
            Assert.That(entry.ToString(), Does.Contain(entry.Prefix.ToString()));
        }
    }

    [Test]
    public void FindsOverlapsOfWholePrefixes()
    {
        Assert.That(ReservedPrefixes.FindOverlap(Ipv6Prefix.Parse("2001:db8:1::/48"))?.Name, Is.EqualTo("Documentation"));
        Assert.That(ReservedPrefixes.FindOverlap(Ipv6Prefix.Parse("::/0")), Is.Not.Null, "the whole space overlaps every reserved range");
        Assert.That(ReservedPrefixes.FindOverlap(Ipv6Prefix.Parse("2a00::/12")), Is.Null);
    }
}
