using Widescan.Contracts;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The choice between the layer-2 path and the raw socket (the "auto" broadcaster's, and the reason
/// "l2" refuses), over routing tables in /proc/net/ipv6_route's format read by the real parser.
/// </summary>
public sealed class SendPathTests
{
    private static readonly string[] Routes =
    [
        // 2001:db8::/32 via 2001:db8:1::2 on wsa0, and a more specific 2001:db8:300::/48 via 2001:db8:1::3 on wsa0.
        "20010db8000000000000000000000000 20 00000000000000000000000000000000 00 20010db8000100000000000000000002 00000400 00000001 00000000 00000003 wsa0",
        "20010db8030000000000000000000000 30 00000000000000000000000000000000 00 20010db8000100000000000000000003 00000400 00000001 00000000 00000003 wsa0",
        // 2001:db8:400::/48 via the same gateway address, but on wsc0.
        "20010db8040000000000000000000000 30 00000000000000000000000000000000 00 20010db8000100000000000000000002 00000400 00000001 00000000 00000003 wsc0",
        // 2001:db8:1::/64 on-link on wsa0.
        "20010db8000100000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 wsa0",
    ];

    private static SendPathChoice Choose(string? interfaceName, params string[] prefixes) =>
        SendPath.Choose([.. prefixes.Select(Ipv6Prefix.Parse)], interfaceName, p => RouteTable.RoutesWithin(p, Routes));

    [Test]
    public void Prefixes_behind_one_gateway_on_one_interface_take_the_layer_2_path()
    {
        Assert.That(Choose(null, "2001:db8:100::/112", "2001:db8:200::/64"),
            Is.EqualTo(new SendPathChoice.Layer2("wsa0", Ipv6Address.Parse("2001:db8:1::2"))));
    }

    [Test]
    public void The_interface_the_options_name_is_kept()
    {
        Assert.That(Choose("wsx0", "2001:db8:100::/112"), Is.EqualTo(new SendPathChoice.Layer2("wsx0", Ipv6Address.Parse("2001:db8:1::2"))));
    }

    [Test]
    public void Two_gateways_take_the_raw_socket_naming_each_prefix_and_its_route()
    {
        var choice = Choose(null, "2001:db8:100::/112", "2001:db8:300::/112");
        Assert.That(choice, Is.InstanceOf<SendPathChoice.Raw>());
        Assert.That(((SendPathChoice.Raw)choice).Reason, Does.Contain("do not share one gateway")
            .And.Contain("2001:db8:100::/112 via 2001:db8:1::2 on wsa0")
            .And.Contain("2001:db8:300::/112 via 2001:db8:1::3 on wsa0"));
    }

    [Test]
    public void One_gateway_address_on_two_interfaces_takes_the_raw_socket()
    {
        var choice = Choose(null, "2001:db8:100::/112", "2001:db8:400::/112");
        Assert.That(((SendPathChoice.Raw)choice).Reason, Does.Contain("2001:db8:400::/112 via 2001:db8:1::2 on wsc0"));
    }

    [Test]
    public void An_on_link_prefix_among_routed_ones_takes_the_raw_socket()
    {
        var choice = Choose(null, "2001:db8:100::/112", "2001:db8:1::1:0/120");
        Assert.That(choice, Is.EqualTo(new SendPathChoice.Raw("2001:db8:1::1:0/120 is on-link on wsa0 (no gateway)")));
    }

    [Test]
    public void A_prefix_holding_a_more_specific_route_through_another_gateway_takes_the_raw_socket()
    {
        var choice = Choose(null, "2001:db8:200::/39");
        Assert.That(((SendPathChoice.Raw)choice).Reason, Does.Contain("2001:db8:200::/39 via 2001:db8:1::2 on wsa0; 2001:db8:200::/39 via 2001:db8:1::3 on wsa0"));
    }

    [Test]
    public void A_prefix_holding_an_on_link_one_takes_the_raw_socket()
    {
        Assert.That(Choose(null, "2001:db8::/32"), Is.EqualTo(new SendPathChoice.Raw("part of 2001:db8::/32 is on-link on wsa0 (no gateway)")));
    }

    [Test]
    public void A_prefix_without_a_route_takes_the_raw_socket()
    {
        var choice = SendPath.Choose([Ipv6Prefix.Parse("2001:db8:100::/112")], null, p => RouteTable.RoutesWithin(p, [.. Routes.Skip(1)]));
        Assert.That(choice, Is.EqualTo(new SendPathChoice.Raw("no route to 2001:db8:100::/112")));
    }

    [Test]
    public void No_targets_take_the_raw_socket()
    {
        Assert.That(SendPath.Choose([], null, _ => throw new AssertionException("no route is looked up")), Is.InstanceOf<SendPathChoice.Raw>());
    }
}
