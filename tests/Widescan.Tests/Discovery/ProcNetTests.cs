using Widescan.Contracts;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Discovery;

/// <summary>The /proc/net readers the listener uses: which interface routes a target, which addresses are ours.</summary>
public sealed class ProcNetTests
{
    private static readonly string[] Routes =
    [
        "20010db8000000000000000000000000 20 00000000000000000000000000000000 00 20010db8000100000000000000000002 00000400 00000001 00000000 00000003 wsa0",
        "20010db8000100000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 wsa0",
        "20010db8010000000000000000000000 28 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00000201 lo",
        "20010db8020000000000000000000000 28 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00000001 wsc0",
        "malformed line",
    ];

    [TestCase("2001:db8:5::1", "wsa0")]
    [TestCase("2001:db8:1::9", "wsa0")]
    [TestCase("2001:db8:200::1", "wsc0")]
    public void The_longest_usable_route_names_the_interface(string destination, string expected) =>
        Assert.That(RouteTable.InterfaceFor(Ipv6Address.Parse(destination), Routes), Is.EqualTo(expected));

    [Test]
    public void A_blackhole_or_no_route_gives_no_interface()
    {
        Assert.That(RouteTable.InterfaceFor(Ipv6Address.Parse("2001:db8:100::1"), Routes.Skip(1)), Is.Null, "only the reject route matches");
        Assert.That(RouteTable.InterfaceFor(Ipv6Address.Parse("2001:db8:100::1"), []), Is.Null);
    }

    [Test]
    public void Local_addresses_are_the_global_ones_of_the_interface()
    {
        string[] lines =
        [
            "20010db8000100000000000000000001 02 40 00 80     wsa0",
            "fe800000000000000057530000000a0a 02 40 20 80     wsa0",
            "00000000000000000000000000000001 01 80 10 80       lo",
            "20010db8010000000000000000000005 01 80 00 80       lo",
        ];
        Assert.Multiple(() =>
        {
            Assert.That(LocalAddresses.Parse(lines, "wsa0"), Is.EqualTo(new[] { Ipv6Address.Parse("2001:db8:1::1") }));
            Assert.That(LocalAddresses.Parse(lines, null), Is.EqualTo(new[] { Ipv6Address.Parse("2001:db8:1::1"), Ipv6Address.Parse("2001:db8:100::5") }));
        });
    }
}
