using System.Buffers.Binary;
using Widescan.Plugin.Transport;
using Widescan.Plugin.Transport.Native;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Transport;

/// <summary>
/// The sender's retry and accounting logic against a scripted stand-in for sendmmsg: partial
/// sends, EINTR, ENOBUFS that clears, ENOBUFS that does not, and errors about one message.
/// </summary>
public sealed unsafe class RawIcmpv6SenderTests
{
    private const int Enetunreach = 101;

    /// <summary>Plays back a script of steps: a positive number accepts that many, a negative one fails with -errno.</summary>
    private sealed class ScriptedKernel
    {
        private readonly Queue<int> _steps;

        public ScriptedKernel(params int[] steps) => _steps = new Queue<int>(steps);

        public List<UInt128> Accepted { get; } = [];

        public List<uint> CallCounts { get; } = [];

        public int Send(int fd, MMsgHdr* messages, uint count, out int errno)
        {
            CallCounts.Add(count);
            var step = _steps.Count > 0 ? _steps.Dequeue() : int.MaxValue;
            if (step < 0)
            {
                errno = -step;
                return -1;
            }

            errno = 0;
            var accepted = (int)Math.Min((uint)step, count);
            for (var i = 0; i < accepted; i++)
            {
                var address = (SockaddrIn6*)messages[i].Header.Name;
                Assert.That(address->Family, Is.EqualTo(LibC.AF_INET6));
                var iov = messages[i].Header.Iov;
                var message = new ReadOnlySpan<byte>(iov->Base, (int)iov->Length);
                var destination = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(address->Address, 16));
                Assert.That(message[0], Is.EqualTo(Icmpv6Types.EchoRequest));
                Assert.That(BinaryPrimitives.ReadUInt64BigEndian(message[8..]), Is.EqualTo((ulong)destination),
                    "the message in a slot belongs to that slot's destination");
                Accepted.Add(destination);
            }

            return accepted;
        }
    }

    private static UInt128[] Destinations(int count) => LabSweepTests.AllAddresses("2001:db8:200::/112")[..count];

    private static (RawIcmpv6Sender Sender, List<TimeSpan> Delays) Make(ScriptedKernel kernel, int attempts = 4)
    {
        var delays = new List<TimeSpan>();
        var options = new RawIcmpv6SenderOptions
        {
            InitialBackoff = TimeSpan.FromMilliseconds(1),
            MaxBackoff = TimeSpan.FromMilliseconds(4),
            MaxAttemptsWithoutProgress = attempts,
            Delay = delays.Add,
        };
        return (new RawIcmpv6Sender(options, kernel.Send), delays);
    }

    [Test]
    public void Partial_sends_and_EINTR_resume_at_the_first_unsent_message()
    {
        var kernel = new ScriptedKernel(100, -LibC.EINTR, 100, 56);
        var (sender, delays) = Make(kernel);
        using var _ = sender;
        var destinations = Destinations(256);
        var writer = new EchoRequestWriter();

        var result = sender.SendBatch(destinations, ref writer);

        Assert.That(result, Is.EqualTo(new SendResult(256, 0, 0, LibC.EINTR)));
        Assert.That(kernel.Accepted, Is.EqualTo(destinations), "each destination once, in order");
        Assert.That(kernel.CallCounts, Is.EqualTo(new uint[] { 256, 156, 156, 56 }));
        Assert.That(delays, Is.Empty);
    }

    [Test]
    public void ENOBUFS_backs_off_exponentially_and_retries_the_remainder()
    {
        var kernel = new ScriptedKernel(10, -LibC.ENOBUFS, -LibC.ENOBUFS, -LibC.ENOBUFS, 300);
        var (sender, delays) = Make(kernel);
        using var _ = sender;
        var destinations = Destinations(256);
        var writer = new EchoRequestWriter();

        var result = sender.SendBatch(destinations, ref writer);

        Assert.That(result, Is.EqualTo(new SendResult(256, 0, 3, LibC.ENOBUFS)));
        Assert.That(kernel.Accepted, Is.EqualTo(destinations));
        Assert.That(delays.Select(d => d.TotalMilliseconds), Is.EqualTo(new double[] { 1, 2, 4 }));
        Assert.That((sender.Sent, sender.Failed, sender.Retries), Is.EqualTo((256L, 0L, 3L)));
    }

    [Test]
    public void ENOBUFS_that_never_clears_reports_the_unsent_remainder_as_failed()
    {
        var kernel = new ScriptedKernel(10, -LibC.ENOBUFS, -LibC.ENOBUFS, -LibC.ENOBUFS, -LibC.ENOBUFS, -LibC.ENOBUFS, -LibC.ENOBUFS);
        var (sender, delays) = Make(kernel, attempts: 4);
        using var _ = sender;
        var writer = new EchoRequestWriter();

        var result = sender.SendBatch(Destinations(256), ref writer);

        // Four attempts without progress: three sleeps (1, 2, 4 ms, capped), then the rest is failed.
        Assert.That(result, Is.EqualTo(new SendResult(10, 246, 3, LibC.ENOBUFS)));
        Assert.That(delays.Select(d => d.TotalMilliseconds), Is.EqualTo(new double[] { 1, 2, 4 }));
        Assert.That(sender.Sent + sender.Failed, Is.EqualTo(256));
    }

    [Test]
    public void An_error_about_one_message_fails_that_message_only()
    {
        var kernel = new ScriptedKernel(5, -Enetunreach, 1000);
        var (sender, _) = Make(kernel);
        using var __ = sender;
        var destinations = Destinations(256);
        var writer = new EchoRequestWriter();

        var result = sender.SendBatch(destinations, ref writer);

        Assert.That(result, Is.EqualTo(new SendResult(255, 1, 0, Enetunreach)));
        Assert.That(kernel.Accepted, Is.EqualTo(destinations.Where((_, i) => i != 5)));
    }

    [Test]
    public void Destinations_beyond_one_batch_go_in_several_calls()
    {
        var kernel = new ScriptedKernel();
        var (sender, _) = Make(kernel);
        using var __ = sender;
        var destinations = Destinations(600);
        var writer = new EchoRequestWriter();

        var result = sender.SendBatch(destinations, ref writer);

        Assert.That(result.Sent, Is.EqualTo(600));
        Assert.That(kernel.CallCounts, Is.EqualTo(new uint[] { 256, 256, 88 }));
        Assert.That(kernel.Accepted, Is.EqualTo(destinations));
        Assert.That(writer.Written, Is.EqualTo(600));
    }

    private struct OversizedWriter : IIcmpv6MessageWriter
    {
        public readonly int Write(UInt128 destination, Span<byte> message) => message.Length + 1;
    }

    [Test]
    public void A_writer_that_overruns_its_slot_is_refused()
    {
        var (sender, _) = Make(new ScriptedKernel());
        using var __ = sender;
        var writer = new OversizedWriter();
        UInt128[] one = [Destinations(1)[0]];
        var error = Assert.Throws<InvalidOperationException>(() => sender.SendBatch(one, ref writer));
        Assert.That(error!.Message, Does.Contain("length 1233"));
    }

    [Test]
    public void Sending_after_dispose_throws()
    {
        var (sender, _) = Make(new ScriptedKernel());
        sender.Dispose();
        sender.Dispose();
        var writer = new EchoRequestWriter();
        UInt128[] one = [Destinations(1)[0]];
        Assert.Throws<ObjectDisposedException>(() => sender.SendBatch(one, ref writer));
    }

    [TestCase(0, "batch size 0")]
    [TestCase(2000, "batch size 2000")]
    public void Bad_options_are_named(int batch, string expected)
    {
        var options = new RawIcmpv6SenderOptions { BatchSize = batch };
        var error = Assert.Throws<ArgumentException>(() => new RawIcmpv6Sender(options, new ScriptedKernel().Send));
        Assert.That(error!.Message, Does.Contain(expected));
    }
}
