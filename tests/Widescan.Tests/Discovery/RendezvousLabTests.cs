using System.Text.RegularExpressions;
using Widescan.Contracts;
using Widescan.Plugin.Targets;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The listening side of rendezvous in lab namespaces, DAD on: a listener claims the slot-0 address
/// of its /64 under each of its keys (valid lifetime L, preferred 0), a scanner probing that address
/// finds the peer there, a clean stop removes it; two members of one bridged /64 settle on different slots.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(90_000)]
public sealed partial class RendezvousLabTests
{
    private static readonly byte[] Key = "widescan rendezvous lab key 0001"u8.ToArray();
    private static readonly byte[] NextKey = "widescan rendezvous lab key 0002"u8.ToArray();
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(20);

    [Test]
    public async Task A_listener_claims_slot_0_under_both_keys_a_scanner_on_the_next_key_finds_it_there_and_a_clean_stop_removes_it(CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        NetnsLab.EnableDad(lab.Target, NetnsLab.TargetInterface);
        var node = NodeId.Parse("20202020202020202020202020202020");
        var link = Ipv6Address.Parse(NetnsLab.TargetAddress);
        var current = RendezvousAddress(Key, link, 0);
        var next = RendezvousAddress(NextKey, link, 0);

        var listener = ModuleInLab.Start(lab.Target, Listener(node, TimeSpan.FromSeconds(5)) with { Interface = NetnsLab.TargetInterface, NextNetworkKey = NextKey }, cancellationToken);
        var claimed = NetnsLab.Addresses(lab.Target, NetnsLab.TargetInterface);

        var scan = ModuleInLab.ScanOptions("2001:db8:1::/128", 1_000) with
        {
            Targets = new TargetSpec { Include = [new Ipv6Prefix(current, 128), new Ipv6Prefix(next, 128)], AllowReserved = true, Seed = 3 },
            NetworkKey = NextKey, // a scanner that has moved to the next key
            NodeId = NodeId.Parse("30303030303030303030303030303030"),
        };
        var events = await ModuleInLab.RunAsync(lab.Scanner, scan, cancellationToken);
        var heard = await listener.ToListAsync();
        var after = NetnsLab.Addresses(lab.Target, NetnsLab.TargetInterface);
        TestContext.Out.WriteLine(claimed);

        var peers = events.OfType<PeerDiscovered>().ToList();
        Assert.Multiple(() =>
        {
            foreach (var address in new[] { current, next })
            {
                var line = AddressLine(claimed, address);
                Assert.That(line, Is.Not.Null, $"{Ipv6Address.Format(address)} (slot 0) is on the interface");
                if (line is null)
                    continue;
                Assert.That(line.Text, Does.Not.Contain("tentative").And.Not.Contain("dadfailed").And.Not.Contain("nodad"), "DAD ran and passed");
                Assert.That(line.Preferred, Is.EqualTo(0), "preferred lifetime 0: never a source of the host's own traffic");
                Assert.That(line.Valid, Is.InRange(10, 20), "valid lifetime about L");
                Assert.That(AddressLine(after, address), Is.Null, $"{Ipv6Address.Format(address)} is removed on a clean stop");
            }

            Assert.That(peers.Select(p => (p.Address, p.NodeId, p.How, p.Authenticated)), Is.EquivalentTo(new[]
            {
                (current, node, PeerDiscoveryMethod.AnsweredProbe, true),
                (next, node, PeerDiscoveryMethod.AnsweredProbe, true),
            }), "the peer answered at both rendezvous addresses, under the scanner's key");
            Assert.That(heard.OfType<ProbeReceived>().Single().Answered, Is.True);
        });
    }

    [Test]
    public async Task Two_listeners_started_at_once_on_one_bridged_64_settle_on_different_slots(CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        string[] members = [lab.AddBridgedMember(1), lab.AddBridgedMember(2)];
        var link = Ipv6Address.Parse("2001:db8:2::");
        var slots = Enumerable.Range(0, 2).Select(s => RendezvousAddress(Key, link, s)).ToArray();

        var starts = members.Select((ns, i) => Task.Run(() => ModuleInLab.Start(ns, Listener(NodeId.Parse($"4040404040404040404040404040404{i}"), TimeSpan.FromSeconds(2)), cancellationToken), cancellationToken)).ToList();
        var running = await Task.WhenAll(starts);
        var held = members.Select(ns => NetnsLab.Addresses(ns, NetnsLab.MemberInterface)).ToList();
        foreach (var run in running)
            await run.ToListAsync();
        var left = members.Select(ns => NetnsLab.Addresses(ns, NetnsLab.MemberInterface)).ToList();

        var slotOf = held.Select(text => Enumerable.Range(0, 2).Where(s => AddressLine(text, slots[s]) is { } l && !l.Text.Contains("dadfailed", StringComparison.Ordinal)).ToList()).ToList();
        TestContext.Out.WriteLine(string.Join("\n", held));
        Assert.Multiple(() =>
        {
            Assert.That(slotOf[0], Has.Count.EqualTo(1), "member 1 holds one slot");
            Assert.That(slotOf[1], Has.Count.EqualTo(1), "member 2 holds one slot");
            Assert.That(slotOf.SelectMany(s => s).Order(), Is.EqualTo(new[] { 0, 1 }), "the two members hold different slots, the lowest two");
            Assert.That(left.All(text => slots.All(a => AddressLine(text, a) is null)), Is.True, "both removed on a clean stop");
        });
    }

    private static WidescanOptions Listener(NodeId node, TimeSpan duration) => new()
    {
        ListenOnly = true,
        ListenDuration = duration,
        NodeId = node,
        ServicePort = 4100,
        NetworkKey = Key,
        Rendezvous = new RendezvousOptions { Enabled = true, Lifetime = Lifetime },
        Log = new LogOptions { Console = false },
    };

    private static UInt128 RendezvousAddress(byte[] key, UInt128 inLink, int slot)
    {
        var (k0, k1) = RendezvousIid.Keys(RendezvousIid.Secret(key));
        return RendezvousIid.Address(k0, k1, inLink, slot);
    }

    /// <summary>An address's line of `ip -6 addr show` with the lifetimes of the line after it, or null when absent.</summary>
    internal static AddressEntry? AddressLine(string shown, UInt128 address)
    {
        var lines = shown.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var match = InetLine().Match(lines[i]);
            if (!match.Success || Ipv6Address.Parse(match.Groups[1].Value) != address)
                continue;
            var life = i + 1 < lines.Length ? LifetimeLine().Match(lines[i + 1]) : Match.Empty;
            return new AddressEntry(lines[i], life.Success ? ParseLifetime(life.Groups[1].Value) : -1, life.Success ? ParseLifetime(life.Groups[2].Value) : -1);
        }

        return null;
    }

    private static long ParseLifetime(string text) => text == "forever" ? long.MaxValue : long.Parse(text.TrimEnd('s', 'e', 'c'), System.Globalization.CultureInfo.InvariantCulture);

    internal sealed record AddressEntry(string Text, long Valid, long Preferred);

    [GeneratedRegex(@"inet6 ([0-9a-f:]+)/\d+")]
    private static partial Regex InetLine();

    [GeneratedRegex(@"valid_lft (\S+) preferred_lft (\S+)")]
    private static partial Regex LifetimeLine();
}
