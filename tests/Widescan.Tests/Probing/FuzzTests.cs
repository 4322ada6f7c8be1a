using System.Buffers.Binary;
using Widescan.Plugin.Probing;
using static Widescan.Tests.Probing.WireTestData;

namespace Widescan.Tests.Probing;

/// <summary>
/// One million seeded packets (random garbage and mutations of valid probes, echoes and announces: bit
/// flips, truncations, overwrites, length-field lies, chain edits, with and without a repaired checksum)
/// through every entry point of a keyed and an unkeyed classifier. Asserts no exception, and that every
/// HostAlive is byte for byte our probe to its source and every keyed PeerDiscovered is a genuine
/// announce accepted once. Reproducible: the seed and iteration of the first failure are reported.
/// </summary>
public class FuzzTests
{
    private const int Packets = 1_000_000;
    private const int Seed = 20_261_124;

    private enum Form { Frame, Ipv6, Icmp }

    private sealed record Base(byte[] Bytes, Form Form, UInt128 Source);

    [Test]
    public void MillionRandomAndMutatedPacketsNeverThrowNorForgeResults()
    {
        var clock = Clock(25);
        var keyed = new PacketClassifier(Ours(true), Tag(), clock);
        var open = new PacketClassifier(Ours(false), Tag(), clock);
        var (bases, genuineAnnounces) = BuildBases();
        var ourProbes = new Dictionary<(UInt128, ulong, bool), byte[]>();
        var acceptedNonces = new HashSet<ulong>();
        var random = new Random(Seed);
        var buffer = new byte[512];
        var kinds = new int[Enum.GetValues<PacketKind>().Length];
        int exceptions = 0;
        string? firstFailure = null;

        for (int i = 0; i < Packets; i++)
        {
            var b = bases[random.Next(bases.Count)];
            int length = Mutate(random, b, buffer);
            var packet = buffer.AsSpan(0, length);
            UInt128 source = b.Form == Form.Icmp && random.Next(10) == 0 ? Target + (UInt128)random.Next(100) : b.Source;
            foreach (var (classifier, isKeyed) in new[] { (keyed, true), (open, false) })
            {
                Classification result;
                try
                {
                    result = b.Form switch
                    {
                        Form.Frame => classifier.ClassifyEthernet(packet),
                        Form.Ipv6 => classifier.ClassifyIpv6(packet),
                        _ => classifier.ClassifyIcmp(packet, source, Us),
                    };
                }
                catch (Exception e)
                {
                    exceptions++;
                    firstFailure ??= $"seed {Seed}, iteration {i}: {e.GetType().Name} {e.Message} on {Convert.ToHexString(packet)}";
                    continue;
                }

                kinds[(int)result.Kind]++;
                string? forged = Check(result, packet, isKeyed, ourProbes, genuineAnnounces, acceptedNonces);
                if (forged is not null)
                    firstFailure ??= $"seed {Seed}, iteration {i}: {forged} on {Convert.ToHexString(packet)}";
            }
        }

        TestContext.Out.WriteLine($"{Packets} packets x 2 classifiers: ignored {kinds[0]}, alive {kinds[1]}, peers {kinds[2]}, probes {kinds[3]}");
        Assert.That(firstFailure, Is.Null);
        Assert.That(exceptions, Is.Zero);
        // The mutations must also reach every outcome, or the run proves little.
        Assert.That(kinds.Take(4), Has.All.GreaterThan(1000));
        Assert.That(kinds[(int)PacketKind.TargetUnreachable], Is.Zero, "no error among these packets");
    }

    private static string? Check(
        in Classification result, ReadOnlySpan<byte> packet, bool keyed, Dictionary<(UInt128, ulong, bool), byte[]> ourProbes,
        Dictionary<ulong, byte[]> genuineAnnounces, HashSet<ulong> acceptedNonces)
    {
        if (result.Kind is not (PacketKind.HostAlive or PacketKind.PeerDiscovered))
            return null;
        var message = packet.Slice(result.DataOffset - WireFormat.DataOffset, result.MessageLength);
        if (result.Kind == PacketKind.HostAlive)
        {
            var key = (result.Source, result.Timestamp, keyed);
            if (!ourProbes.TryGetValue(key, out var probe))
                ourProbes[key] = probe = Probe(keyed, result.Source, result.Timestamp);
            return message[0] == WireFormat.EchoReply && message[4..].SequenceEqual(probe.AsSpan(4))
                ? null
                : $"false HostAlive from {result.Source}";
        }

        if (!keyed)
            return null; // without a key nothing vouches for an announce's content: nothing to forge
        if (!genuineAnnounces.TryGetValue(result.Nonce, out var genuine) || !message[8..].SequenceEqual(genuine.AsSpan(8)))
            return "false PeerDiscovered: not a genuine announce";
        return acceptedNonces.Add(result.Nonce) ? null : "false PeerDiscovered: replay accepted";
    }

    private static (List<Base> Bases, Dictionary<ulong, byte[]> Announces) BuildBases()
    {
        var bases = new List<Base>();
        var announces = new Dictionary<ulong, byte[]>();
        void Add(byte[] icmp, UInt128 source, UInt128 destination)
        {
            var ipv6 = Ipv6(source, destination, icmp);
            bases.Add(new Base(icmp, Form.Icmp, source));
            bases.Add(new Base(ipv6, Form.Ipv6, source));
            bases.Add(new Base(Ethernet(ipv6), Form.Frame, source));
            bases.Add(new Base(Ethernet(Ipv6(source, destination, icmp, (0, [0, 0, 1, 4, 0, 0, 0, 0]), (44, [0, 0, 0, 0, 0, 0, 0, 1]))), Form.Frame, source));
        }

        for (int t = 0; t < 32; t++)
        {
            var target = Target + (UInt128)t;
            foreach (bool k in new[] { false, true })
            {
                var probe = Probe(k, target, Timestamp + (ulong)(t % 3));
                Add(EchoOf(probe), target, Us);
                Add(probe, Us, target); // our own, captured
            }

            var keyedAnnounce = AnnounceAnswering(Probe(true, target), true, nonce: 1000 + (ulong)t, at: target);
            announces[1000 + (ulong)t] = keyedAnnounce;
            Add(keyedAnnounce, target, Us);
            Add(AnnounceAnswering(Probe(false, target), false, nonce: 5000 + (ulong)t, at: target), target, Us);
        }

        foreach (bool k in new[] { false, true })
        {
            var writer = new ProbeWriter(Peer(k), new ValidationTag(new byte[16]), Target);
            var peerProbe = new byte[writer.MessageLength];
            writer.WriteMessage(peerProbe, Timestamp);
            writer.SetTarget(peerProbe, Us);
            Add(peerProbe, Target, Us);
        }

        Add([129, 0, 0, 0, 0, 1, 0, 1, .. "abcdefghijklmnopqrstuvwxyz012345"u8], Target, Us);
        return (bases, announces);
    }

    private static int Mutate(Random random, Base b, byte[] buffer)
    {
        var source = b.Bytes;
        int length = source.Length;
        source.CopyTo(buffer, 0);
        switch (random.Next(9))
        {
            case 0: // garbage, sometimes behind a valid-looking Ethernet/IPv6 prefix
                length = random.Next(0, 200);
                random.NextBytes(buffer.AsSpan(0, length));
                if (random.Next(2) == 0 && length > 60)
                    source.AsSpan(0, Math.Min(source.Length, 54)).CopyTo(buffer);
                break;
            case 1:
                for (int n = random.Next(1, 9); n > 0; n--)
                    buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                break;
            case 2:
                length = random.Next(0, length);
                break;
            case 3:
                for (int n = random.Next(1, 5); n > 0; n--)
                    buffer[random.Next(length)] = (byte)random.Next(256);
                break;
            case 4: // length-field lies: IPv6 payload length, Widescan data length, extension header length
                int ip = b.Form == Form.Frame ? 14 : 0;
                int at = b.Form == Form.Icmp ? WireFormat.DataLengthOffset : random.Next(3) switch
                {
                    0 => ip + 5,
                    1 => ip + 41,
                    _ => ip + 40 + WireFormat.DataLengthOffset,
                };
                if (at < length)
                    buffer[at] = (byte)random.Next(256);
                break;
            case 5:
                int extra = random.Next(1, 40);
                random.NextBytes(buffer.AsSpan(length, extra));
                length += extra;
                break;
            case 6: // chain edits: another next header
                if (b.Form != Form.Icmp)
                {
                    byte[] choices = [0, 43, 44, 50, 51, 58, 59, 60, (byte)random.Next(256)];
                    buffer[(b.Form == Form.Frame ? 14 : 0) + 6] = choices[random.Next(choices.Length)];
                }

                break;
            default: // unchanged (replays of genuine packets)
                break;
        }

        if (b.Form != Form.Icmp && random.Next(2) == 0)
            RepairChecksum(buffer.AsSpan(0, length), b.Form == Form.Frame ? 14 : 0);
        return length;
    }

    // So that mutations reach the payload checks instead of stopping at the checksum.
    private static void RepairChecksum(Span<byte> packet, int ipOffset)
    {
        if (packet.Length < ipOffset)
            return;
        var ip = packet[ipOffset..];
        if (Ipv6HeaderChain.FindIcmp(ip, out var source, out var destination, out int offset, out int length) != IgnoreReason.None || length < 4)
            return;
        var icmp = ip.Slice(offset, length);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], IcmpChecksum.Compute(source, destination, icmp));
    }
}
