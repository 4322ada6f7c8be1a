using System.Net;
using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

public class Ipv6PrefixTests
{
    [TestCase("2001:db8::/32", "2001:db8::/32")]
    [TestCase("2001:0DB8:0000::/48", "2001:db8::/48")]
    [TestCase("2001:DB8:0:0:0:0:0:0/64", "2001:db8::/64")]
    [TestCase("::ffff:192.0.2.1/128", "::ffff:192.0.2.1/128")]
    [TestCase("::ffff:c000:201/128", "::ffff:192.0.2.1/128")]
    [TestCase("2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128")]
    [TestCase("2001:db8:0:1:1:1:1:1/128", "2001:db8:0:1:1:1:1:1/128")]
    [TestCase("2001:db8::1", "2001:db8::1/128")]
    [TestCase("2001:db8:0000:0000:0001:0000:0000:0000/128", "2001:db8:0:0:1::/128")]
    [TestCase("  2001:db8::/32 ", "2001:db8::/32")]
    [TestCase("::/0", "::/0")]
    [TestCase("::1/128", "::1/128")]
    [TestCase("2001:db8::192.0.2.0/120", "2001:db8::c000:200/120")]
    public void ParsesEveryRfc4291FormAndFormatsCanonically(string text, string canonical) =>
        Assert.That(Ipv6Prefix.Parse(text).ToString(), Is.EqualTo(canonical));

    [TestCase("2001:db8::1/32", "host bits set")]
    [TestCase("2001:db8::/129", "length 129 out of range")]
    [TestCase("2001:db8::/-1", "not a number")]
    [TestCase("2001:db8::/", "not a number")]
    [TestCase("2001:db8::/3x", "not a number")]
    [TestCase("192.0.2.0/24", "not an IPv6 prefix")]
    [TestCase("2001:db8::g/64", "not an IPv6 prefix")]
    [TestCase("2001:db8:::/64", "not an IPv6 prefix")]
    [TestCase("2001:db8::1::2/128", "not an IPv6 prefix")]
    [TestCase("1:2:3:4:5:6:7:8:9/128", "not an IPv6 prefix")]
    [TestCase("fe80::1%eth0/128", "not an IPv6 prefix")]
    [TestCase("[2001:db8::]/32", "not an IPv6 prefix")]
    [TestCase("", "not an IPv6 prefix")]
    [TestCase("hello", "not an IPv6 prefix")]
    public void RejectsInvalidFormsNamingTheProblem(string text, string problem)
    {
        Assert.That(Ipv6Prefix.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(problem));
        Assert.That(() => Ipv6Prefix.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contains(problem));
    }

    [Test]
    public void HostBitsErrorNamesTheNetworkOfThatLength() =>
        Assert.That(() => Ipv6Prefix.Parse("2001:db8::1/32"),
            Throws.TypeOf<FormatException>().With.Message.Contains("2001:db8::/32"));

    [Test]
    public void RandomPrefixesRoundTripThroughTextForm()
    {
        var random = new Random(20261124);
        for (var i = 0; i < 20_000; i++)
        {
            var prefix = RandomPrefix(random);
            var text = prefix.ToString();
            Assert.That(Ipv6Prefix.Parse(text), Is.EqualTo(prefix), text);
            Assert.That(text, Is.EqualTo(ReferenceFormat(prefix.Network) + "/" + prefix.Length), "RFC 5952 form");
        }
    }

    [Test]
    public void ContainsAgreesWithAByteWiseReference()
    {
        var random = new Random(4291);
        for (var i = 0; i < 20_000; i++)
        {
            var prefix = RandomPrefix(random);
            // Half the addresses are drawn inside the prefix, so both answers are exercised.
            var address = random.Next(2) == 0
                ? prefix.Network | (RandomAddress(random) & ~prefix.Mask)
                : RandomAddress(random);
            Assert.That(prefix.Contains(address), Is.EqualTo(ReferenceContains(prefix, address)),
                $"{prefix} contains {Ipv6Address.Format(address)}");
        }
    }

    [Test]
    public void ContainsOverlapsAndSizeOfNestedPrefixes()
    {
        var outer = Ipv6Prefix.Parse("2001:db8::/32");
        var inner = Ipv6Prefix.Parse("2001:db8:1::/48");
        var beside = Ipv6Prefix.Parse("2001:db9::/32");
        Assert.Multiple(() =>
        {
            Assert.That(outer.Contains(inner), Is.True);
            Assert.That(inner.Contains(outer), Is.False);
            Assert.That(outer.Overlaps(inner) && inner.Overlaps(outer), Is.True);
            Assert.That(outer.Overlaps(beside), Is.False);
            Assert.That(inner.Size, Is.EqualTo(UInt128.One << 80));
            Assert.That(Ipv6Prefix.Parse("2001:db8::1/128").Size, Is.EqualTo(UInt128.One));
            Assert.That(Ipv6Prefix.Parse("::/0").Size, Is.EqualTo(UInt128.MaxValue));
            Assert.That(inner.LastAddress, Is.EqualTo(Ipv6Address.Parse("2001:db8:1:ffff:ffff:ffff:ffff:ffff")));
            Assert.That(inner.HostBits, Is.EqualTo(80));
        });
    }

    [Test]
    public void ConstructorRefusesHostBitsAndBadLengths()
    {
        Assert.That(() => new Ipv6Prefix(Ipv6Address.Parse("2001:db8::1"), 64), Throws.ArgumentException.With.Message.Contains("host bits set"));
        Assert.That(() => new Ipv6Prefix(UInt128.Zero, 129), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void OrdersByNetworkThenLength()
    {
        var sorted = new[] { "2001:db8:1::/48", "2001:db8::/48", "2001:db8::/32" }.Select(Ipv6Prefix.Parse).Order().Select(p => p.ToString());
        Assert.That(sorted, Is.EqualTo(new[] { "2001:db8::/32", "2001:db8::/48", "2001:db8:1::/48" }));
    }

    internal static Ipv6Prefix RandomPrefix(Random random)
    {
        var length = random.Next(0, 129);
        // Draw sparse groups too, so runs of zero groups of every length occur.
        var address = RandomAddress(random);
        return new Ipv6Prefix(address & Ipv6Prefix.MaskOf(length), length);
    }

    internal static UInt128 RandomAddress(Random random)
    {
        UInt128 address = 0;
        for (var g = 0; g < 8; g++)
        {
            ushort group = random.Next(3) switch { 0 => 0, 1 => (ushort)random.Next(1, 16), _ => (ushort)random.Next(0, 65536) };
            address = (address << 16) | group;
        }

        return address;
    }

    private static bool ReferenceContains(Ipv6Prefix prefix, UInt128 address)
    {
        var a = IPAddress.Parse(ReferenceFormat(address)).GetAddressBytes();
        var n = IPAddress.Parse(ReferenceFormat(prefix.Network)).GetAddressBytes();
        for (var bit = 0; bit < prefix.Length; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (n[bit / 8] & mask))
                return false;
        }

        return true;
    }

    /// <summary>RFC 5952 written the naive way: the full form, then the longest ":0:0" run replaced by "::".</summary>
    internal static string ReferenceFormat(UInt128 address)
    {
        var groups = Enumerable.Range(0, 8).Select(i => ((ushort)(address >> (112 - 16 * i))).ToString("x")).ToList();
        var mapped = (address >> 32) == 0xffff;
        var tail = "";
        if (mapped)
        {
            var v4 = (uint)address;
            tail = $"{v4 >> 24}.{(v4 >> 16) & 255}.{(v4 >> 8) & 255}.{v4 & 255}";
            groups = groups.Take(6).ToList();
        }

        var best = "";
        for (var run = groups.Count; run >= 2 && best.Length == 0; run--)
        {
            for (var start = 0; start + run <= groups.Count; start++)
            {
                if (groups.Skip(start).Take(run).All(g => g == "0"))
                {
                    var head = string.Join(":", groups.Take(start));
                    var rest = string.Join(":", groups.Skip(start + run));
                    best = head + "::" + rest;
                    break;
                }
            }
        }

        var text = best.Length > 0 ? best : string.Join(":", groups);
        if (!mapped)
            return text;
        return text.EndsWith("::", StringComparison.Ordinal) ? text + tail : text + ":" + tail;
    }
}
