namespace Widescan.Plugin.Transport;

/// <summary>
/// A token bucket that paces sending to a rate in packets per second and grants tokens a batch at a
/// time, so the sender can hand a whole sendmmsg batch to the kernel per grant. Time comes from an
/// injected <see cref="TimeProvider"/>; waiting is an injected step, so tests run on a fake clock.
/// </summary>
/// <remarks>
/// Tokens accrue continuously from the elapsed time (as a fraction, so no rounding is lost between
/// grants) and are capped at <see cref="Capacity"/>. A capacity of about two batches absorbs a late
/// wake-up without losing tokens, which would make the long-run rate fall short. Not thread-safe:
/// one sending thread owns a bucket.
/// </remarks>
internal sealed class TokenBucket
{
    /// <summary>Gaps longer than this are slept through (less this much, for wake-up lateness); shorter ones are spun.</summary>
    private static readonly TimeSpan SpinThreshold = TimeSpan.FromMilliseconds(2);

    private readonly TimeProvider _time;
    private readonly Action<TimeSpan, CancellationToken> _wait;
    private double _ticksPerToken;
    private double _tokens;
    private long _last;

    /// <summary>Makes a bucket that starts full.</summary>
    /// <param name="rate">Packets per second; more than 0.</param>
    /// <param name="capacity">Most tokens banked; at least 1. About two send batches is a good choice.</param>
    /// <param name="time">The clock; <see cref="TimeProvider.System"/> in production.</param>
    /// <param name="wait">Waits for about the given time; null sleeps for coarse gaps and spins for
    /// fine ones. A fake clock passes one that advances the clock.</param>
    public TokenBucket(double rate, int capacity, TimeProvider time, Action<TimeSpan, CancellationToken>? wait = null)
    {
        if (!double.IsFinite(rate) || rate <= 0)
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "the rate must be a positive number of packets per second");
        if (capacity < 1)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the capacity must be at least one token");
        ArgumentNullException.ThrowIfNull(time);
        Rate = rate;
        Capacity = capacity;
        _time = time;
        _wait = wait ?? HybridWait;
        _ticksPerToken = time.TimestampFrequency / rate;
        _tokens = capacity;
        _last = time.GetTimestamp();
    }

    /// <summary>Packets per second.</summary>
    public double Rate { get; private set; }

    /// <summary>Most tokens banked.</summary>
    public int Capacity { get; private set; }

    /// <summary>
    /// Changes the rate (and the bank) from now on: tokens earned so far at the old rate are kept, up
    /// to the new capacity, so a slowdown takes effect at once and a speed-up loses nothing.
    /// </summary>
    public void SetRate(double rate, int capacity)
    {
        if (!double.IsFinite(rate) || rate <= 0)
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "the rate must be a positive number of packets per second");
        if (capacity < 1)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the capacity must be at least one token");
        Refill();
        Rate = rate;
        Capacity = capacity;
        _ticksPerToken = _time.TimestampFrequency / rate;
        _tokens = Math.Min(_tokens, capacity);
    }

    /// <summary>Tokens available now (fractional).</summary>
    public double Available
    {
        get
        {
            Refill();
            return _tokens;
        }
    }

    /// <summary>Takes up to <paramref name="wanted"/> whole tokens that are available now; returns how many.</summary>
    public int TryTake(int wanted)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(wanted);
        Refill();
        var granted = (int)Math.Min(wanted, Math.Floor(_tokens));
        _tokens -= granted;
        return granted;
    }

    /// <summary>
    /// Waits until a batch's worth of tokens (<paramref name="wanted"/>, or the capacity when that is
    /// smaller) is available, takes it and returns its size. Returns 0 only when cancelled.
    /// </summary>
    public int Take(int wanted, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wanted, 1);
        var batch = Math.Min(wanted, Capacity);
        while (!cancellationToken.IsCancellationRequested)
        {
            Refill();
            if (_tokens >= batch)
            {
                _tokens -= batch;
                return batch;
            }

            var missing = batch - _tokens;
            _wait(_time.GetElapsedTime(0, (long)Math.Ceiling(missing * _ticksPerToken)), cancellationToken);
        }

        return 0;
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = now - _last;
        if (elapsed <= 0)
            return;
        _last = now;
        _tokens = Math.Min(Capacity, _tokens + elapsed / _ticksPerToken);
    }

    /// <summary>
    /// Sleeps through most of a coarse gap (Thread.Sleep wakes up to ~1 ms late on Linux) and spins
    /// through the rest, yielding the core now and then so a shared machine keeps moving.
    /// </summary>
    private static void HybridWait(TimeSpan gap, CancellationToken cancellationToken)
    {
        if (gap > SpinThreshold)
        {
            cancellationToken.WaitHandle.WaitOne(gap - SpinThreshold / 2);
            return;
        }

        var spinner = default(SpinWait);
        var until = TimeProvider.System.GetTimestamp() + (long)(gap.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (TimeProvider.System.GetTimestamp() < until && !cancellationToken.IsCancellationRequested)
            spinner.SpinOnce(sleep1Threshold: -1);
    }
}
