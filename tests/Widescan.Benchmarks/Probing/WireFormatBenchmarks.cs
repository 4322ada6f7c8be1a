using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Widescan.Contracts;
using Widescan.Plugin.Probing;

namespace Widescan.Benchmarks.Probing;

/// <summary>
/// Cost per probe written and per packet classified. Every benchmark must show 0 B allocated: these
/// run once per packet. Run: dotnet run -c Release --project tests/Widescan.Benchmarks -- --filter '*Probing*' --job short
/// </summary>
[MemoryDiagnoser]
public class WireFormatBenchmarks
{
    private const ulong Timestamp = 1_790_000_000_000_000; // Unix microseconds

    private static readonly NodeId Ours = NodeId.Parse("00112233445566778899aabbccddeeff");
    private static readonly NodeId Peer = NodeId.Parse("f0e1d2c3b4a5968778695a4b3c2d1e0f");
    private static readonly byte[] Key = "widescan benchmark network key 1"u8.ToArray();
    private static readonly UInt128 Us = Ipv6Address.Parse("2001:db8::100");
    private static readonly UInt128 Target = Ipv6Address.Parse("2001:db8::1");

    private readonly ValidationTag _tag = new(new byte[16]);
    private readonly FixedClock _clock = new(Timestamp + 20_000);
    private ProbeWriter _writer = null!;
    private ProbeWriter _keyedWriter = null!;
    private PacketClassifier _classifier = null!;
    private PacketClassifier _keyedClassifier = null!;
    private byte[] _message = null!;
    private byte[] _keyedMessage = null!;
    private byte[] _frame = null!;
    private byte[] _echoFrame = null!;
    private byte[] _keyedEchoFrame = null!;
    private byte[] _announceFrame = null!;
    private byte[] _keyedAnnounceFrame = null!;
    private byte[] _garbageFrame = null!;
    private UInt128 _next = Target;

    [GlobalSetup]
    public void Setup()
    {
        _writer = new ProbeWriter(new WireIdentity(Ours, 4242), _tag, Us);
        _keyedWriter = new ProbeWriter(new WireIdentity(Ours, 4242, Key), _tag, Us);
        _classifier = new PacketClassifier(new WireIdentity(Ours, 4242), _tag, _clock);
        _keyedClassifier = new PacketClassifier(new WireIdentity(Ours, 4242, Key), _tag, _clock);
        _message = new byte[_writer.MessageLength];
        _writer.WriteMessage(_message, Timestamp);
        _keyedMessage = new byte[_keyedWriter.MessageLength];
        _keyedWriter.WriteMessage(_keyedMessage, Timestamp);
        _frame = new byte[_writer.FrameLength];
        _writer.WriteFrame(_frame, new LinkAddressing(0x020000000001, 0x020000000002, Us), Timestamp);

        _echoFrame = Echo(_writer);
        _keyedEchoFrame = Echo(_keyedWriter);
        _announceFrame = Announce(new WireIdentity(Peer, 4343, default, "widescan"u8));
        _keyedAnnounceFrame = Announce(new WireIdentity(Peer, 4343, Key, "widescan"u8));
        _garbageFrame = new byte[128];
        new Random(1).NextBytes(_garbageFrame);
        BinaryPrimitives.WriteUInt16BigEndian(_garbageFrame.AsSpan(12), 0x86DD);
        _garbageFrame[14] = 0x60;

        // Measure the paths the names promise, not an early exit.
        Expect(ClassifyEcho(), PacketKind.HostAlive, "echo");
        Expect(ClassifyKeyedEcho(), PacketKind.HostAlive, "keyed echo");
        Expect(ClassifyAnnounce(), PacketKind.PeerDiscovered, "announce");
        Expect(ClassifyKeyedAnnounce(), PacketKind.PeerDiscovered, "keyed announce");
        Expect(ClassifyGarbage(), PacketKind.Ignored, "garbage");
        if (_keyedClassifier.ClassifyEthernet(_keyedAnnounceFrame).Reason != IgnoreReason.Replay)
            throw new InvalidOperationException("the repeated keyed announce should pass the MAC and stop at the replay cache");
    }

    private static void Expect(int kind, PacketKind expected, string name)
    {
        if (kind != (int)expected)
            throw new InvalidOperationException($"{name} classified as {(PacketKind)kind}, expected {expected}");
    }

    [Benchmark(Description = "tag alone (SipHash-2-4)")]
    public uint Tag() => _tag.Compute(_next++, Timestamp);

    [Benchmark(Description = "probe written: raw ICMPv6 (per target)")]
    public void ProbeRaw() => _writer.SetTarget(_message, _next++);

    [Benchmark(Description = "probe written: keyed raw ICMPv6, tag + MAC (per target)")]
    public void ProbeRawKeyed() => _keyedWriter.SetTarget(_keyedMessage, _next++);

    [Benchmark(Description = "probe written: L2 frame (per target)")]
    public void ProbeFrame() => _writer.SetFrameTarget(_frame, _next++);

    [Benchmark(Description = "template written: unkeyed (per buffer)")]
    public void TemplateUnkeyed() => _writer.WriteMessage(_message, Timestamp);

    [Benchmark(Description = "template written: keyed (per buffer; the MAC is per target)")]
    public void TemplateKeyed() => _keyedWriter.WriteMessage(_keyedMessage, Timestamp);

    [Benchmark(Description = "classify: echo of our probe (HostAlive)")]
    public int ClassifyEcho() => (int)_classifier.ClassifyEthernet(_echoFrame).Kind;

    [Benchmark(Description = "classify: keyed echo of our probe (HostAlive, MAC checked)")]
    public int ClassifyKeyedEcho() => (int)_keyedClassifier.ClassifyEthernet(_keyedEchoFrame).Kind;

    [Benchmark(Description = "classify: announce, no key (PeerDiscovered)")]
    public int ClassifyAnnounce() => (int)_classifier.ClassifyEthernet(_announceFrame).Kind;

    // The same announce every time: after the first it is a replay, which costs the same MAC and cache
    // probe as a fresh one (a fresh one also writes one cache entry).
    [Benchmark(Description = "classify: announce with MAC + replay check")]
    public int ClassifyKeyedAnnounce() => (int)_keyedClassifier.ClassifyEthernet(_keyedAnnounceFrame).Kind;

    [Benchmark(Description = "classify: garbage")]
    public int ClassifyGarbage() => (int)_classifier.ClassifyEthernet(_garbageFrame).Kind;

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
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], IcmpChecksum.Compute(source, destination, message));
        return frame;
    }

    private static byte[] Echo(ProbeWriter writer)
    {
        var probe = new byte[writer.MessageLength];
        writer.WriteMessage(probe, Timestamp);
        writer.SetTarget(probe, Target);
        probe[0] = WireFormat.EchoReply;
        return Frame(Target, Us, probe);
    }

    private byte[] Announce(WireIdentity peer)
    {
        var writer = new AnnounceWriter(peer, _clock, 1);
        var message = new byte[writer.MessageLength];
        writer.WriteUnsolicited(message, Target, Us);
        return Frame(Target, Us, message);
    }

    private sealed class FixedClock(ulong unixUs) : TimeProvider
    {
        private readonly DateTimeOffset _now = DateTimeOffset.UnixEpoch.AddTicks((long)unixUs * TimeSpan.TicksPerMicrosecond);

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
