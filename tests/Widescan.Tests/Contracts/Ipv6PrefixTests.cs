using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

public class Ipv6PrefixTests
{
    [TestCase("2001:db8::/32", "2001:db8::/32")]
    [TestCase("2001:0DB8:0000::/48", "2001:db8::/48")]
    [TestCase("::ffff:192.0.2.1/128", "::ffff:192.0.2.1/128")]
    [TestCase("2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128")]
    [TestCase("2001:db8::1", "2001:db8::1/128")]
    public void ParsesAndFormatsCanonically(string text, string canonical) =>
        Assert.That(Ipv6Prefix.Parse(text).ToString(), Is.EqualTo(canonical));
}
