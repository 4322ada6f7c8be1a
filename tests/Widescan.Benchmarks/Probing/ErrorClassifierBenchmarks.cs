using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Widescan.Contracts;
using Widescan.Plugin.Probing;

namespace Widescan.Benchmarks.Probing;

/// <summary>
/// The classifier on ICMPv6 errors beside the echo it already handled (the baseline, in the same
/// run): an error quoting our probe whole (TargetUnreachable: the error's checksum over the quote,
/// the quoted chain walked, the tag recomputed), a forged one (the same work, failing at the tag), and
/// one about somebody else's ping (an early exit). Every case must show 0 B allocated: these run once
/// per packet. Run: dotnet run -c Release --project tests/Widescan.Benchmarks -- --filter '*Classif*' --job short
/// </summary>
[MemoryDiagnoser]
public class ErrorClassifierBenchmarks
{
    private const ulong Timestamp = 1_790_000_000_000_000; // Unix microseconds

    private static readonly NodeId Ours = NodeId.Parse("00112233445566778899aabbccddeeff");
    private static readonly UInt128 Us = Ipv6Address.Parse("2001:db8::100");
    private static readonly UInt128 Target = Ipv6Address.Parse("2001:db8::1");
    private static readonly UInt128 Router = Ipv6Address.Parse("2001:db8:ff::1");

    private readonly ValidationTag _tag = new(new byte[16]);
    private PacketClassifier _classifier = null!;
    private byte[] _echoFrame = null!;
    private byte[] _errorFrame = null!;
    private byte[] _forgedFrame = null!;
    private byte[] _foreignFrame = null!;

    [GlobalSetup]
    public void Setup()
    {
        var identity = new WireIdentity(Ours, 4242);
        var writer = new ProbeWriter(identity, _tag, Us);
        _classifier = new PacketClassifier(identity, _tag, new FixedClock(Timestamp + 20_000));
        var probe = new byte[writer.MessageLength];
        writer.WriteMessage(probe, Timestamp);
        writer.SetTarget(probe, Target);

        var echo = (byte[])probe.Clone();
        echo[0] = WireFormat.EchoReply;
        _echoFrame = Frame(Target, Us, echo);

        // As the probe left: its IPv6 packet, quoted whole after the error's 8-byte header.
        var sent = Frame(Us, Target, probe)[14..];
        _errorFrame = Frame(Router, Us, Error(sent));
        var forged = (byte[])sent.Clone();
        forged[40 + WireFormat.SequenceOffset] ^= 1;
        _forgedFrame = Frame(Router, Us, Error(forged));
        var ping = Frame(Us, Target, [128, 0, 0, 0, 0, 1, 0, 1, .. new byte[56]])[14..];
        _foreignFrame = Frame(Router, Us, Error(ping));

        // Measure the paths the names promise, not an early exit.
        Expect(Echo(), PacketKind.HostAlive, IgnoreReason.None, "echo");
        Expect(Unreachable(), PacketKind.TargetUnreachable, IgnoreReason.None, "error");
        Expect(Forged(), PacketKind.Ignored, IgnoreReason.ForgedError, "forged error");
        Expect(Foreign(), PacketKind.Ignored, IgnoreReason.ForeignError, "foreign error");
    }

    [Benchmark(Baseline = true, Description = "classify: echo of our probe (HostAlive)")]
    public int Echo() => Code(_classifier.ClassifyEthernet(_echoFrame));

    [Benchmark(Description = "classify: Destination Unreachable quoting our probe (TargetUnreachable)")]
    public int Unreachable() => Code(_classifier.ClassifyEthernet(_errorFrame));

    [Benchmark(Description = "classify: error quoting our probe with a forged tag (ForgedError)")]
    public int Forged() => Code(_classifier.ClassifyEthernet(_forgedFrame));

    [Benchmark(Description = "classify: error quoting somebody else's ping (ForeignError)")]
    public int Foreign() => Code(_classifier.ClassifyEthernet(_foreignFrame));

    private static int Code(in Classification c) => ((int)c.Kind << 8) | (int)c.Reason;

    private static void Expect(int code, PacketKind kind, IgnoreReason reason, string name)
    {
        if (code != (((int)kind << 8) | (int)reason))
            throw new InvalidOperationException($"{name} classified as {(PacketKind)(code >> 8)}/{(IgnoreReason)(code & 0xFF)}, expected {kind}/{reason}");
    }

    private static byte[] Error(byte[] invoking)
    {
        var error = new byte[8 + invoking.Length];
        error[0] = WireFormat.DestinationUnreachable;
        error[1] = 3; // address unreachable
        invoking.CopyTo(error, 8);
        return error;
    }

    private static byte[] Frame(UInt128 source, UInt128 destination, ReadOnlySpan<byte> icmp)
    {
        var frame = new byte[54 + icmp.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x86DD);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(14), 0x60000000);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(18), (ushort)icmp.Length);
        frame[20] = 58;
        frame[21] = 64;
        BinaryPrimitives.WriteUInt128BigEndian(frame.AsSpan(22), source);
        BinaryPrimitives.WriteUInt128BigEndian(frame.AsSpan(38), destination);
        icmp.CopyTo(frame.AsSpan(54));
        var message = frame.AsSpan(54);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], IcmpChecksum.Compute(source, destination, message));
        return frame;
    }

    private sealed class FixedClock(ulong unixUs) : TimeProvider
    {
        private readonly DateTimeOffset _now = DateTimeOffset.UnixEpoch.AddTicks((long)unixUs * TimeSpan.TicksPerMicrosecond);

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
