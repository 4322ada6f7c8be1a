using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Widescan.Contracts;
using Widescan.Plugin.Discovery;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The broadcaster's send loop against a recording stand-in for sendmmsg (no socket, nothing sent):
/// rounds per target spaced in time, the cap shared by lanes, completion of every batch, and every
/// probe's tag verifying for its destination.
/// </summary>
public sealed unsafe class ProbeSenderTests
{
    [Test]
    public void Every_target_gets_its_rounds_spaced_by_the_interval_and_every_batch_completes()
    {
        var options = Options(rate: 200_000) with { ProbesPerTarget = 3, ProbeInterval = TimeSpan.FromMilliseconds(50) };
        var (sent, completed, end) = Run(options, lanes: 1, batches: 8, batchSize: 100);

        var perTarget = sent.GroupBy(s => s.Destination).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(end, Is.EqualTo(BroadcastEnd.Done));
            Assert.That(completed, Has.Count.EqualTo(8));
            Assert.That(perTarget, Has.Count.EqualTo(800));
            Assert.That(perTarget.All(g => g.Count() == 3), Is.True, "three probes per target");
            var gaps = perTarget.SelectMany(g => g.Zip(g.Skip(1), (a, b) => b.Ticks - a.Ticks)).ToList();
            Assert.That(gaps.Min(), Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(50).Ticks), "rounds of one target are spaced by the interval");
        });
    }

    [Test]
    public void Two_lanes_share_the_cap_exactly_and_send_each_probe_with_a_tag_that_verifies()
    {
        var options = Options(rate: 400_000) with { MaxProbes = 1_234 };
        var session = new DiscoverySession(options, new byte[16]);
        var (sent, _, end) = Run(options, lanes: 2, batches: 10, batchSize: 256, session);

        var tag = new ValidationTag(session.ScanSecret);
        Assert.Multiple(() =>
        {
            Assert.That(end, Is.EqualTo(BroadcastEnd.CapReached));
            Assert.That(sent, Has.Count.EqualTo(1_234), "the cap holds across lanes");
            Assert.That(session.Counters.ProbesSent, Is.EqualTo(1_234));
            Assert.That(sent.Select(s => s.Destination).Distinct().Count(), Is.EqualTo(1_234), "no target twice");
            Assert.That(sent.All(s => tag.Compute(s.Destination, s.Timestamp) == s.Tag), Is.True, "every tag verifies for its destination");
        });
    }

    private static WidescanOptions Options(int rate) => new()
    {
        Targets = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/64")], AllowReserved = true },
        Rate = rate,
        Log = new LogOptions { Console = false },
    };

    private static (List<Sent> Sent, List<TargetBatch> Completed, BroadcastEnd End) Run(
        WidescanOptions options, int lanes, int batches, int batchSize, DiscoverySession? session = null)
    {
        session ??= new DiscoverySession(options);
        var kernel = new RecordingKernel();
        var writer = new ProbeWriter(WireIdentity.FromOptions(options), new ValidationTag(session.ScanSecret), Ipv6Address.Parse("2001:db8:1::1"));
        var sockets = Enumerable.Range(0, lanes)
            .Select(_ => new RawIcmpv6Sender(new RawIcmpv6SenderOptions { MaxMessageLength = writer.MessageLength }, kernel.Send))
            .ToArray();
        using var sender = new ProbeSender(session, sockets, writer);
        var targets = Channel.CreateUnbounded<TargetBatch>();
        var completed = Channel.CreateUnbounded<TargetBatch>();
        var network = Ipv6Prefix.Parse("2001:db8::/64").Network;
        for (var b = 0; b < batches; b++)
        {
            var batch = new TargetBatch(batchSize) { Count = batchSize, CursorAfter = (ulong)((b + 1) * batchSize) };
            for (var i = 0; i < batchSize; i++)
                batch.Buffer[i] = network + (UInt128)(uint)((b * batchSize) + i);
            targets.Writer.TryWrite(batch);
        }

        targets.Writer.Complete();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var end = sender.Run(targets.Reader, completed.Writer, timeout.Token);
        completed.Writer.Complete();
        var done = new List<TargetBatch>();
        while (completed.Reader.TryRead(out var batch))
            done.Add(batch);
        return ([.. kernel.Sent], done, end);
    }

    private readonly record struct Sent(UInt128 Destination, uint Tag, ulong Timestamp, long Ticks);

    /// <summary>Stands in for sendmmsg: accepts every message and records what it carried.</summary>
    private sealed class RecordingKernel
    {
        public ConcurrentQueue<Sent> Sent { get; } = new();

        public int Send(int fd, MMsgHdr* messages, uint count, out int errno)
        {
            var now = DateTime.UtcNow.Ticks;
            for (var i = 0; i < count; i++)
            {
                var header = messages[i].Header;
                var address = new ReadOnlySpan<byte>(((SockaddrIn6*)header.Name)->Address, 16);
                var message = new ReadOnlySpan<byte>(header.Iov->Base, (int)header.Iov->Length);
                Sent.Enqueue(new Sent(
                    BinaryPrimitives.ReadUInt128BigEndian(address),
                    BinaryPrimitives.ReadUInt32BigEndian(message[WireFormat.IdentifierOffset..]),
                    BinaryPrimitives.ReadUInt64BigEndian(message[WireFormat.TimestampOffset..]),
                    now));
            }

            errno = 0;
            return (int)count;
        }
    }
}
