using System.Buffers.Binary;
using Widescan.Plugin.Probing;
using static Widescan.Tests.Probing.WireTestData;

namespace Widescan.Tests.Probing;

/// <summary>
/// One million seeded packets aimed at the error path: random bytes of random lengths (up to past the
/// minimum MTU), and mutations of genuine errors (every type, keyed and not, extension headers inside
/// the quote, quotes cut short, layer-2 quotes) and of echoes: bit flips, truncations, overwrites,
/// edits of the quoted destination, tag, timestamp, node id and nonce, length-field lies, with and
/// without a repaired outer checksum, through every entry point of a keyed and an unkeyed classifier.
/// Asserts no exception, and that every TargetUnreachable names a target and timestamp one of our
/// probes was sent with, carries that probe's tag, comes from a router (never one of our own
/// addresses: our kernel's errors), and with a key quotes that probe whole, MAC included, byte for
/// byte; and every HostAlive is our probe byte for byte. The classifiers know our address, as the
/// listener's do.
/// </summary>
public class ErrorFuzzTests
{
    private const int Packets = 1_000_000;
    private const int Seed = 20_261_213;

    private enum Form { Frame, Ipv6, Icmp }

    private sealed record Base(byte[] Bytes, Form Form, UInt128 Source);

    [Test]
    public void MillionRandomAndMutatedErrorsNeverThrowNorForgeResults()
    {
        var clock = Clock(40);
        var keyed = new PacketClassifier(Ours(true), Tag(), clock, isOwn: a => a == Us);
        var open = new PacketClassifier(Ours(false), Tag(), clock, isOwn: a => a == Us);
        var sent = new Dictionary<(UInt128 Target, ulong Timestamp), uint>(); // the tag of every probe a base quotes
        var bases = BuildBases(sent);
        var random = new Random(Seed);
        var buffer = new byte[1400];
        var kinds = new int[Enum.GetValues<PacketKind>().Length];
        int exceptions = 0;
        string? firstFailure = null;

        for (int i = 0; i < Packets; i++)
        {
            var b = bases[random.Next(bases.Count)];
            int length = Mutate(random, b, buffer);
            var packet = buffer.AsSpan(0, length);
            foreach (var (classifier, isKeyed) in new[] { (keyed, true), (open, false) })
            {
                Classification result;
                try
                {
                    result = b.Form switch
                    {
                        Form.Frame => classifier.ClassifyEthernet(packet),
                        Form.Ipv6 => classifier.ClassifyIpv6(packet),
                        _ => classifier.ClassifyIcmp(packet, b.Source, Us),
                    };
                }
                catch (Exception e)
                {
                    exceptions++;
                    firstFailure ??= $"seed {Seed}, iteration {i}: {e.GetType().Name} {e.Message} on {Convert.ToHexString(packet)}";
                    continue;
                }

                kinds[(int)result.Kind]++;
                if (Check(result, packet, b.Form, isKeyed, sent) is { } forged)
                    firstFailure ??= $"seed {Seed}, iteration {i}: {forged} on {Convert.ToHexString(packet)}";
            }
        }

        var ignored = open.Ignored;
        TestContext.Out.WriteLine(
            $"{Packets} packets x 2 classifiers: {string.Join(", ", Enum.GetValues<PacketKind>().Select(k => $"{k} {kinds[(int)k]}"))}; " +
            $"unkeyed ignored as foreign {ignored[IgnoreReason.ForeignError]}, truncated quote {ignored[IgnoreReason.QuoteTruncated]}, forged {ignored[IgnoreReason.ForgedError]}, bad checksum {ignored[IgnoreReason.BadChecksum]}");
        Assert.That(firstFailure, Is.Null);
        Assert.That(exceptions, Is.Zero);

        // The mutations must reach every outcome that matters here, or the run proves little.
        Assert.That(kinds[(int)PacketKind.TargetUnreachable], Is.GreaterThan(10_000));
        Assert.That(kinds[(int)PacketKind.HostAlive], Is.GreaterThan(1_000));
        foreach (var reason in new[] { IgnoreReason.ForeignError, IgnoreReason.QuoteTruncated, IgnoreReason.ForgedError, IgnoreReason.BadChecksum, IgnoreReason.OwnError })
            Assert.That(ignored[reason] + keyed.Ignored[reason], Is.GreaterThan(1_000), reason.ToString());
        Assert.That(keyed.Ignored[IgnoreReason.BadMac], Is.GreaterThan(1_000), "keyed quotes whose MAC the mutations broke");
        TestContext.Out.WriteLine($"keyed: bad MAC {keyed.Ignored[IgnoreReason.BadMac]}, truncated quote {keyed.Ignored[IgnoreReason.QuoteTruncated]}, own errors {keyed.Ignored[IgnoreReason.OwnError]}");
    }

    private static string? Check(in Classification result, ReadOnlySpan<byte> packet, Form form, bool keyed, Dictionary<(UInt128, ulong), uint> sent)
    {
        if (result.Kind == PacketKind.TargetUnreachable)
        {
            if (!sent.TryGetValue((result.Target, result.Timestamp), out var tag))
                return $"false TargetUnreachable: no probe went to {result.Target} at {result.Timestamp}";
            if ((((uint)result.Identifier << 16) | result.Sequence) != tag || result.NodeId != OurNode || result.Nonce != Tag().ProbeNonce)
                return $"false TargetUnreachable for {result.Target}: not our probe's tag, node id or nonce";
            if (result.Source == Us)
                return $"false TargetUnreachable for {result.Target}: from our own address";
            if (keyed)
            {
                // As strong as an echo: the probe as sent, MAC and all.
                var quoted = QuotedProbe(packet, form);
                var probe = Probe(true, result.Target, result.Timestamp);
                if (quoted.Length < probe.Length || quoted[0] != WireFormat.EchoRequest || quoted[1] != 0 || !quoted[4..probe.Length].SequenceEqual(probe.AsSpan(4)))
                    return $"false keyed TargetUnreachable for {result.Target}: the quote is not our probe whole";
            }

            return result.IcmpType is >= 1 and <= 4 ? null : $"TargetUnreachable of ICMPv6 type {result.IcmpType}";
        }

        if (result.Kind == PacketKind.HostAlive)
        {
            var message = packet.Slice(result.DataOffset - WireFormat.DataOffset, result.MessageLength);
            var probe = Probe(keyed, result.Source, result.Timestamp);
            return message[0] == WireFormat.EchoReply && message[4..].SequenceEqual(probe.AsSpan(4)) ? null : $"false HostAlive from {result.Source}";
        }

        return null;
    }

    /// <summary>The echo the error in <paramref name="packet"/> quotes, found independently of the classifier's entry points (empty when there is none).</summary>
    private static ReadOnlySpan<byte> QuotedProbe(ReadOnlySpan<byte> packet, Form form)
    {
        var message = packet;
        if (form != Form.Icmp)
        {
            int offset = 0;
            if (form == Form.Frame)
            {
                offset = 12;
                while (packet.Length >= offset + 2 && BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]) is 0x8100 or 0x88A8)
                    offset += 4;
                offset += 2;
            }

            if (packet.Length < offset || Ipv6HeaderChain.FindIcmp(packet[offset..], out _, out _, out int at, out int length) != IgnoreReason.None)
                return default;
            message = packet.Slice(offset + at, length);
        }

        if (message.Length < 8 || Ipv6HeaderChain.FindQuotedIcmp(message[8..], out _, out _, out int quoted, out int quotedLength) != IgnoreReason.None)
            return default;
        return message.Slice(8 + quoted, quotedLength);
    }

    private static List<Base> BuildBases(Dictionary<(UInt128, ulong), uint> sent)
    {
        var bases = new List<Base>();
        var tag = Tag();
        void Add(byte[] icmp, UInt128 source)
        {
            var ipv6 = Ipv6(source, Us, icmp);
            bases.Add(new Base(icmp, Form.Icmp, source));
            bases.Add(new Base(ipv6, Form.Ipv6, source));
            bases.Add(new Base(Ethernet(ipv6), Form.Frame, source));
        }

        byte[][] codes = [[1, 0], [1, 1], [1, 3], [1, 4], [2, 0], [3, 0], [3, 1], [4, 0], [4, 2]];
        for (int t = 0; t < 24; t++)
        {
            var target = Target + (UInt128)(t * 7);
            var timestamp = Timestamp + (ulong)(t % 4);
            sent[(target, timestamp)] = tag.Compute(target, timestamp);
            foreach (bool k in new[] { false, true })
            {
                var code = codes[t % codes.Length];
                var router = Router + (UInt128)t;
                Add(ErrorOf(code[0], code[1], SentProbe(k, target, timestamp)), router);
                Add(ErrorOf(code[0], code[1], SentProbe(k, target, timestamp), 40 + 50 + (t % 30)), router); // cut short
                Add(ErrorOf(1, 4, SentProbe(k, target, timestamp, (60, [0, 0, 1, 4, 0, 0, 0, 0]), (44, [0, 0, 0, 0, 0, 0, 0, 9]))), router);
                Add(EchoOf(Probe(k, target, timestamp)), target);
            }
        }

        // Our own kernel's errors (an on-link target's neighbour discovery failed), errors about other
        // traffic, and an error quoting an error.
        foreach (bool k in new[] { false, true })
        {
            for (int t = 0; t < 6; t++)
                Add(ErrorOf(1, 3, SentProbe(k, Target + (UInt128)(t * 7), Timestamp + (ulong)(t % 4))), Us);
        }

        Add(ErrorOf(1, 0, Ipv6(Us, Target, [128, 0, 0, 0, 0, 1, 0, 1, .. new byte[56]])), Router);
        Add(ErrorOf(3, 0, Ipv6(Us, Target, ErrorOf(1, 0, SentProbe(false, Target)))), Router);
        return bases;
    }

    private static int Mutate(Random random, Base b, byte[] buffer)
    {
        var source = b.Bytes;
        int length = source.Length;
        source.CopyTo(buffer, 0);
        int ip = b.Form == Form.Frame ? 14 : 0;
        int quote = b.Form == Form.Icmp ? 8 : ip + 48; // where the quoted IPv6 header starts
        switch (random.Next(11))
        {
            case 0: // garbage of a random length, sometimes behind the genuine headers
                length = random.Next(0, buffer.Length);
                random.NextBytes(buffer.AsSpan(0, length));
                if (random.Next(2) == 0 && length > quote + 40)
                    source.AsSpan(0, Math.Min(source.Length, quote + 40)).CopyTo(buffer);
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
            case 4: // the quoted probe's fields: destination, tag, timestamp, node id, nonce, flags, port
            {
                int[] fields = [quote + 24 + random.Next(16), quote + 40 + 4 + random.Next(4), quote + 40 + WireFormat.TimestampOffset + random.Next(8),
                    quote + 40 + WireFormat.NodeIdOffset + random.Next(16), quote + 40 + WireFormat.NonceOffset + random.Next(8),
                    quote + 40 + WireFormat.FlagsOffset, quote + 40 + WireFormat.PortOffset];
                int at = fields[random.Next(fields.Length)];
                if (at < length)
                    buffer[at] ^= (byte)random.Next(1, 256);
                break;
            }

            case 5: // length-field lies: outer and quoted payload lengths, a quoted extension header's
            {
                int[] fields = [ip + 4, ip + 5, quote + 4, quote + 5, quote + 41, quote + 6];
                int at = fields[random.Next(fields.Length)];
                if (at < length)
                    buffer[at] = (byte)random.Next(256);
                break;
            }

            case 6: // another error type or code, or not an error at all
                if (b.Form == Form.Icmp || length > ip + 41)
                {
                    int at = b.Form == Form.Icmp ? 0 : ip + 40;
                    buffer[at + random.Next(2)] = (byte)random.Next(random.Next(2) == 0 ? 6 : 256);
                }

                break;
            case 7: // bytes appended, past the minimum MTU at times
                int extra = Math.Min(random.Next(1, 400), buffer.Length - length);
                random.NextBytes(buffer.AsSpan(length, extra));
                length += extra;
                break;
            default: // unchanged (replays of genuine packets)
                break;
        }

        if (b.Form != Form.Icmp && random.Next(2) == 0)
            RepairChecksum(buffer.AsSpan(0, length), ip);
        return length;
    }

    // So that mutations reach the quote checks instead of stopping at the outer checksum.
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
