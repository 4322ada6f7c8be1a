using System.Net;
using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

public class Ipv6AddressTests
{
    [Test]
    public void ConvertsToAndFromIPAddressAndBytes()
    {
        var random = new Random(5952);
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < 2_000; i++)
        {
            var address = Ipv6PrefixTests.RandomAddress(random);
            var ip = Ipv6Address.ToIPAddress(address);
            Assert.That(Ipv6Address.FromIPAddress(ip), Is.EqualTo(address));
            Ipv6Address.WriteBytes(address, bytes);
            Assert.That(bytes.ToArray(), Is.EqualTo(ip.GetAddressBytes()));
            Assert.That(Ipv6Address.ReadBytes(bytes), Is.EqualTo(address));
        }
    }

    [Test]
    public void FormatsWithoutAllocatingIntoASpan()
    {
        var address = Ipv6Address.Parse("2001:db8::1");
        Span<char> buffer = stackalloc char[Ipv6Address.MaxTextLength];
        Assert.That(Ipv6Address.TryFormat(address, buffer, out var written), Is.True);
        Assert.That(buffer[..written].ToString(), Is.EqualTo("2001:db8::1"));
        Assert.That(Ipv6Address.TryFormat(address, buffer[..5], out _), Is.False, "too small a buffer is refused, not overrun");
    }

    [Test]
    public void TheLongestZeroRunIsShortenedAndTheFirstOnATie()
    {
        Assert.That(Ipv6Address.Format(Ipv6Address.Parse("2001:db8:0:0:1:0:0:0")), Is.EqualTo("2001:db8:0:0:1::"));
        Assert.That(Ipv6Address.Format(Ipv6Address.Parse("2001:0:0:1:0:0:db8:1")), Is.EqualTo("2001::1:0:0:db8:1"));
        Assert.That(Ipv6Address.Format(Ipv6Address.Parse("2001:db8:0:1:1:1:1:1")), Is.EqualTo("2001:db8:0:1:1:1:1:1"));
        Assert.That(Ipv6Address.Format(UInt128.Zero), Is.EqualTo("::"));
    }

    [Test]
    public void RefusesIpv4AndNonAddresses()
    {
        Assert.That(Ipv6Address.TryParse("192.0.2.1", out _, out var error), Is.False);
        Assert.That(error, Does.Contain("not an IPv6 address"));
        Assert.That(() => Ipv6Address.FromIPAddress(IPAddress.Loopback), Throws.ArgumentException);
    }
}
