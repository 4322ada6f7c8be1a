using System.Buffers.Binary;
using Widescan.Contracts;
using Widescan.Host.Commands;
using Widescan.Plugin.Discovery;
using Widescan.Plugin.Transport;

namespace Widescan.Tests.Discovery;

/// <summary>The claim's pieces without a network: the netlink request, the /64s chosen, the options' and flags' errors, the two-key file.</summary>
public class RendezvousUnitTests
{
    private static readonly UInt128 Address = Ipv6Address.Parse("2001:db8:7:8:1122:3344:5566:7788");

    [Test]
    public void The_new_address_request_asks_for_DAD_no_prefix_route_and_the_lifetimes_given()
    {
        var request = new byte[AddressNetlink.MaxRequestLength];
        var length = AddressNetlink.WriteNewAddress(request, 9, 5, Address, validSeconds: 600, preferredSeconds: 0, replace: false);
        var r = request[..length];
        Assert.Multiple(() =>
        {
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(r), Is.EqualTo((uint)length));
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(r.AsSpan(4)), Is.EqualTo(20), "RTM_NEWADDR");
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(r.AsSpan(6)), Is.EqualTo(0x1 | 0x4 | 0x400 | 0x200), "request, ack, create, exclusive");
            Assert.That(r[16], Is.EqualTo(10), "AF_INET6");
            Assert.That(r[17], Is.EqualTo(64), "its /64");
            Assert.That(r[18] & AddressNetlink.NoDad, Is.Zero, "DAD is not skipped");
            Assert.That(BinaryPrimitives.ReadInt32LittleEndian(r.AsSpan(20)), Is.EqualTo(5), "the interface index");
            Assert.That(BinaryPrimitives.ReadUInt128BigEndian(r.AsSpan(28)), Is.EqualTo(Address), "IFA_LOCAL");
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(r.AsSpan(68)), Is.EqualTo(0u), "IFA_CACHEINFO preferred lifetime 0");
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(r.AsSpan(72)), Is.EqualTo(600u), "IFA_CACHEINFO valid lifetime");
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(r.AsSpan(88)), Is.EqualTo(AddressNetlink.NoPrefixRoute), "IFA_FLAGS: no prefix route, no nodad");
        });
        var renew = new byte[AddressNetlink.MaxRequestLength];
        AddressNetlink.WriteNewAddress(renew, 10, 5, Address, 600, 0, replace: true);
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(renew.AsSpan(6)), Is.EqualTo(0x1 | 0x4 | 0x400 | 0x100), "a renewal replaces");
    }

    [Test]
    public void A_dump_entry_gives_the_address_flags_and_another_address_gives_none()
    {
        var datagram = new byte[16 + 8 + 20 + 8];
        BinaryPrimitives.WriteUInt32LittleEndian(datagram, (uint)datagram.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(4), 20);
        datagram[16] = 10;
        BinaryPrimitives.WriteInt32LittleEndian(datagram.AsSpan(20), 5);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(24), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(26), 1); // IFA_ADDRESS
        BinaryPrimitives.WriteUInt128BigEndian(datagram.AsSpan(28), Address);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(44), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(46), 8); // IFA_FLAGS
        BinaryPrimitives.WriteUInt32LittleEndian(datagram.AsSpan(48), AddressNetlink.Tentative | AddressNetlink.NoPrefixRoute);
        Assert.Multiple(() =>
        {
            Assert.That(AddressNetlink.FindFlags(datagram, 5, Address), Is.EqualTo((false, (uint?)(AddressNetlink.Tentative | AddressNetlink.NoPrefixRoute))));
            Assert.That(AddressNetlink.FindFlags(datagram, 5, Address + 1).Flags, Is.Null, "another address");
            Assert.That(AddressNetlink.FindFlags(datagram, 6, Address).Flags, Is.Null, "another interface");
        });
    }

    [Test]
    public void Links_are_the_global_64s_of_the_interface_each_once_and_a_given_prefix_no_one_holds_is_named()
    {
        string[] lines =
        [
            "20010db8000700080000000000000001 05 40 00 80 eth0",
            "20010db8000700080000000000000002 05 40 00 80 eth0", // the same /64
            "20010db8000900000000000000000001 05 80 00 80 eth0", // a /128 (DHCPv6): its /64 counts
            "fe800000000000000000000000000001 05 40 20 80 eth0", // link-local
            "20010db8000a00000000000000000001 01 80 00 80 lo",
            "20010db8000b00000000000000000001 05 40 00 c0 eth0", // tentative
        ];
        var (all, _) = RendezvousLinks.Parse(lines, null, []);
        var (given, unheld) = RendezvousLinks.Parse(lines, "eth0", [Ipv6Prefix.Parse("2001:db8:9::/64"), Ipv6Prefix.Parse("2001:db8:c::/64")]);
        Assert.Multiple(() =>
        {
            Assert.That(all.Select(l => (l.Interface, l.Index, Ipv6Address.Format((UInt128)l.PrefixHi << 64))),
                Is.EqualTo(new[] { ("eth0", 5, "2001:db8:7:8::"), ("eth0", 5, "2001:db8:9::") }));
            Assert.That(given.Select(l => Ipv6Address.Format((UInt128)l.PrefixHi << 64)), Is.EqualTo(new[] { "2001:db8:9::" }));
            Assert.That(unheld, Has.Count.EqualTo(1).And.Some.Contains("2001:db8:c::/64"));
        });
    }

    [Test]
    public void The_options_name_every_problem_by_property()
    {
        var options = new WidescanOptions
        {
            ListenOnly = true,
            Rendezvous = new RendezvousOptions { Enabled = true, Slots = 0, Lifetime = TimeSpan.FromSeconds(2), Prefixes = [Ipv6Prefix.Parse("2001:db8::/48")] },
            NextNetworkKey = new byte[20],
        };
        Assert.That(options.Validate(), Is.EqualTo(new[]
        {
            "NextNetworkKey is set without NetworkKey: a rollover goes from a current key to a next one; set NetworkKey too",
            "Rendezvous.Slots 0 is out of range (1-16)",
            "Rendezvous.Lifetime 2 s is out of range (6 s to 86400 s)",
            "Rendezvous.Prefixes: 2001:db8::/48 is not a /64; a rendezvous address is claimed per /64",
            "Rendezvous.Enabled needs NetworkKey or NetworkName: the rendezvous addresses are derived from one of them",
        }));
    }

    [Test]
    public void Listen_flags_become_the_rendezvous_options_and_their_errors_come_at_once()
    {
        var key = Path.GetTempFileName();
        try
        {
            File.WriteAllText(key, new string('a', 64) + "\n" + new string('b', 64) + "\n");
            var errors = new List<string>();
            var request = Build(errors, "listen", "--rendezvous", "--rendezvous-prefix", "2001:db8:1:2::/64", "--rendezvous-slots", "3", "--rendezvous-lifetime", "30", "--network-key-file", key);
            Assert.That(errors, Is.Empty);
            var options = request!.Options;
            Assert.Multiple(() =>
            {
                Assert.That(options.Rendezvous.Enabled, Is.True);
                Assert.That(options.Rendezvous.Prefixes, Is.EqualTo(new[] { Ipv6Prefix.Parse("2001:db8:1:2::/64") }));
                Assert.That(options.Rendezvous.Slots, Is.EqualTo(3));
                Assert.That(options.Rendezvous.Lifetime, Is.EqualTo(TimeSpan.FromSeconds(30)));
                Assert.That(options.NetworkKey.ToArray(), Is.EqualTo(Enumerable.Repeat((byte)0xaa, 32)), "line 1: the current key");
                Assert.That(options.NextNetworkKey.ToArray(), Is.EqualTo(Enumerable.Repeat((byte)0xbb, 32)), "line 2: the next key");
            });

            Build(errors, "listen", "--rendezvous", "--rendezvous-prefix", "2001:db8:1::/48", "--rendezvous-prefix", "zz");
            Assert.That(errors, Is.EquivalentTo(new[]
            {
                "--rendezvous-prefix 2001:db8:1::/48: not a /64; a rendezvous address is claimed per /64",
                errors.Single(e => e.StartsWith("--rendezvous-prefix zz: ", StringComparison.Ordinal)),
                "--rendezvous needs --network-key-file or --network-name: the rendezvous addresses are derived from one of them",
            }));
        }
        finally
        {
            File.Delete(key);
        }
    }

    private static DiscoveryRequest? Build(List<string> errors, params string[] args)
    {
        errors.Clear();
        var parse = Widescan.Host.WidescanCli.Create().Parse(args);
        Assert.That(parse.Errors, Is.Empty, string.Join("\n", parse.Errors.Select(e => e.Message)));
        return ((ListenCommand)parse.CommandResult.Command).Build(parse, errors);
    }
}
