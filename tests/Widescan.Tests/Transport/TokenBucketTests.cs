using Widescan.Plugin.Transport;

namespace Widescan.Tests.Transport;

/// <summary>The token bucket on a fake clock: rates come out of arithmetic, not of sleeping.</summary>
public sealed class TokenBucketTests
{
    [TestCase(1_000)]
    [TestCase(20_000)]
    [TestCase(200_000)]
    public void Long_run_rate_is_within_one_percent_despite_late_wake_ups(int rate)
    {
        var clock = new FakeClock();
        var random = new Random(rate);
        // A batch is 5 ms of tokens, at most one sendmmsg's worth; the capacity holds two.
        var batch = Math.Clamp(rate / 200, 1, 256);
        // Every wait wakes up to 0.5 ms late, as a sleeping thread does.
        var bucket = new TokenBucket(rate, 2 * batch, clock,
            (gap, _) => clock.Advance(gap + TimeSpan.FromTicks(random.Next(0, 5_000))));

        bucket.Take(2 * batch, CancellationToken.None); // the initial burst, not part of the rate
        var start = clock.Now;
        long granted = 0;
        while (clock.Now - start < TimeSpan.FromSeconds(10))
            granted += bucket.Take(batch, CancellationToken.None);

        var measured = granted / (clock.Now - start).TotalSeconds;
        TestContext.Out.WriteLine($"target {rate} pps, measured {measured:F1} pps over {(clock.Now - start).TotalSeconds:F3} s");
        Assert.That(measured, Is.EqualTo(rate).Within(1).Percent);
    }

    [Test]
    public void A_new_rate_takes_effect_at_once_and_shrinks_the_bank()
    {
        var clock = new FakeClock();
        var bucket = new TokenBucket(100_000, 5_000, clock, (gap, _) => clock.Advance(gap));
        bucket.TryTake(5_000);
        bucket.SetRate(1_000, 50);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.That(bucket.TryTake(1_000_000), Is.EqualTo(50), "a slowed bucket banks the new capacity, not the old");

        var start = clock.Now;
        long granted = 0;
        while (clock.Now - start < TimeSpan.FromSeconds(5))
            granted += bucket.Take(10, CancellationToken.None);
        Assert.That(granted / (clock.Now - start).TotalSeconds, Is.EqualTo(1_000).Within(1).Percent);

        bucket.SetRate(20_000, 1_000);
        start = clock.Now;
        granted = 0;
        while (clock.Now - start < TimeSpan.FromSeconds(5))
            granted += bucket.Take(100, CancellationToken.None);
        Assert.That(granted / (clock.Now - start).TotalSeconds, Is.EqualTo(20_000).Within(1).Percent);
        Assert.That(() => bucket.SetRate(0, 1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Idle_time_banks_no_more_than_the_capacity()
    {
        var clock = new FakeClock();
        var bucket = new TokenBucket(1_000, 64, clock);
        Assert.That(bucket.TryTake(1_000), Is.EqualTo(64));
        clock.Advance(TimeSpan.FromSeconds(100));
        Assert.That(bucket.TryTake(1_000_000), Is.EqualTo(64));
        Assert.That(bucket.TryTake(1), Is.Zero);
    }

    [Test]
    public void Tokens_accrue_in_fractions_without_rounding_loss()
    {
        var clock = new FakeClock();
        var bucket = new TokenBucket(3, 10, clock);
        bucket.TryTake(10);
        long granted = 0;
        for (var i = 0; i < 3_000; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1)); // 0.003 tokens each
            granted += bucket.TryTake(1);
        }

        Assert.That(granted, Is.EqualTo(9)); // 3 s at 3 per second
    }

    [Test]
    public void Take_grants_a_batch_no_larger_than_the_capacity()
    {
        var clock = new FakeClock();
        var waits = new List<TimeSpan>();
        var bucket = new TokenBucket(1_000, 100, clock, (gap, _) =>
        {
            waits.Add(gap);
            clock.Advance(gap);
        });

        Assert.That(bucket.Take(256, CancellationToken.None), Is.EqualTo(100));
        Assert.That(bucket.Take(256, CancellationToken.None), Is.EqualTo(100));
        // The second batch had to wait for exactly 100 tokens at 1,000 per second.
        Assert.That(waits, Is.EqualTo(new[] { TimeSpan.FromMilliseconds(100) }));
    }

    [Test]
    public void Take_returns_zero_when_cancelled()
    {
        var clock = new FakeClock();
        using var cts = new CancellationTokenSource();
        var bucket = new TokenBucket(10, 1, clock, (_, _) => cts.Cancel());
        Assert.That(bucket.Take(1, cts.Token), Is.EqualTo(1));
        Assert.That(bucket.Take(1, cts.Token), Is.Zero);
    }

    [TestCase(0.0)]
    [TestCase(-5.0)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void A_rate_that_is_not_positive_is_refused(double rate)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(rate, 1, TimeProvider.System));
        Assert.That(error!.Message, Does.Contain("positive number of packets per second"));
    }

    [Test]
    public void A_capacity_below_one_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(100, 0, TimeProvider.System));
}
