using Widescan.Plugin.Discovery;
using Widescan.Contracts;

namespace Widescan.Tests.Discovery;

/// <summary>The pacing loop's decisions, sample by sample, on made-up queues (1 tick = 1 ms).</summary>
public sealed class ReceivePacingTests
{
    private const long Frequency = 1_000;
    private const long Queue = 1_000_000;

    [Test]
    public void A_half_full_queue_halves_the_rate_actually_sent_not_the_ceiling()
    {
        var pacing = new ReceivePacing(10_000_000);
        Assert.That(pacing.Observe(Backlog(0.2), 200_000, 0, Frequency), Is.False, "a fifth full: no change at the ceiling");
        Assert.That(pacing.Observe(Backlog(0.5), 200_000, 5, Frequency), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(pacing.Limit, Is.EqualTo(100_000));
            Assert.That(pacing.Reductions, Is.EqualTo(1));
            Assert.That(pacing.Lowest, Is.EqualTo(100_000));
            Assert.That(pacing.LastReason, Does.Contain("50"));
        });
    }

    [Test]
    public void A_queue_still_draining_after_a_cut_is_not_cut_again_but_one_still_growing_is()
    {
        var pacing = new ReceivePacing(1_000_000);
        pacing.Observe(Backlog(0.6), 400_000, 0, Frequency);
        Assert.That(pacing.Limit, Is.EqualTo(200_000));
        Assert.That(pacing.Observe(Backlog(0.65), 200_000, 100, Frequency), Is.False, "draining (grew less than a tenth): wait");
        Assert.That(pacing.Observe(Backlog(0.6), 200_000, 200, Frequency), Is.False);
        Assert.That(pacing.Observe(Backlog(0.75), 200_000, 210, Frequency), Is.True, "still growing: cut again");
        Assert.That(pacing.Limit, Is.EqualTo(100_000));
        Assert.That(pacing.Observe(Backlog(0.9), 100_000, 220, Frequency), Is.False, "never twice within 20 ms");
    }

    [Test]
    public void Kernel_drops_cut_even_when_the_queue_looks_empty()
    {
        var pacing = new ReceivePacing(1_000_000);
        Assert.That(pacing.Observe(new ReceiveBacklog(0, 0, 0), 300_000, 0, Frequency), Is.False, "libpcap: no fill known, no drops");
        Assert.That(pacing.Observe(new ReceiveBacklog(0, 0, 7), 300_000, 5, Frequency), Is.True);
        Assert.That(pacing.Limit, Is.EqualTo(150_000));
        Assert.That(pacing.LastReason, Does.Contain("dropped 7"));
        pacing.Observe(new ReceiveBacklog(0, 0, 7), 150_000, 30, Frequency);
        Assert.That(pacing.Reductions, Is.EqualTo(1), "no new drops: the same count is not a new cut");
        Assert.That(pacing.Limit, Is.GreaterThan(150_000), "an empty queue without drops climbs back");
    }

    [Test]
    public void Drops_beside_an_empty_known_queue_are_not_overload_so_forged_bad_checksums_cannot_pin_the_rate()
    {
        // The kernel counts a packet whose checksum fails on read as dropped: an attacker's trickle.
        var pacing = new ReceivePacing(1_000_000);
        for (var i = 1; i <= 20; i++)
            pacing.Observe(new ReceiveBacklog(0, Queue, i), 500_000, i * 25L, Frequency);
        Assert.That(pacing.Reductions, Is.Zero);
        Assert.That(pacing.Limit, Is.EqualTo(1_000_000));

        // The same drops while the queue is in use are an overflow.
        pacing.Observe(Backlog(0.2), 500_000, 600, Frequency);
        Assert.That(pacing.Observe(new ReceiveBacklog(0, Queue, 21), 500_000, 625, Frequency), Is.True, "the last sample was a fifth full");
        Assert.That(pacing.Limit, Is.EqualTo(250_000));
    }

    [Test]
    public void An_emptied_queue_climbs_back_by_a_fiftieth_of_the_cut_rate_to_the_ceiling_and_no_further()
    {
        var pacing = new ReceivePacing(300_000);
        pacing.Observe(Backlog(0.5), 200_000, 0, Frequency);
        Assert.That(pacing.Limit, Is.EqualTo(100_000));
        Assert.That(pacing.Observe(Backlog(0.3), 100_000, 5, Frequency), Is.False, "between the marks: hold");
        Assert.That(pacing.Observe(Backlog(0.05), 100_000, 10, Frequency), Is.True);
        Assert.That(pacing.Limit, Is.EqualTo(104_000), "one fiftieth of the 200,000 it was cut from");
        var steps = 1;
        for (var t = 15L; pacing.Observe(Backlog(0), 100_000, t, Frequency); t += 5)
            steps++;
        Assert.Multiple(() =>
        {
            Assert.That(pacing.Limit, Is.EqualTo(300_000), "up to the ceiling");
            Assert.That(steps, Is.EqualTo(50), "200,000 more in steps of 4,000");
            Assert.That(pacing.Reductions, Is.EqualTo(1));
        });
    }

    [Test]
    public void The_rate_never_goes_under_the_floor_nor_over_a_low_ceiling()
    {
        var pacing = new ReceivePacing(500);
        pacing.Observe(new ReceiveBacklog(0, 0, 1), 0, 0, Frequency);
        Assert.That(pacing.Limit, Is.EqualTo(500), "a ceiling under the 1,000 pps floor stays the rate");

        pacing = new ReceivePacing(1_000_000);
        for (var i = 0; i < 30; i++)
            pacing.Observe(new ReceiveBacklog(Queue, Queue, i + 1), 0, i * 25L, Frequency);
        Assert.That(pacing.Limit, Is.EqualTo(1_000));
        Assert.That(pacing.Lowest, Is.EqualTo(1_000));
    }

    private static ReceiveBacklog Backlog(double fill) => new((long)(fill * Queue), Queue, 0);
}
