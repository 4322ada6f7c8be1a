using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The send rate, closed on the receiver: every <see cref="Interval"/> the run shows it the
/// listener's kernel queue (fill and drops) and the rate actually sent; when the queue passes half
/// full or the kernel dropped anything, the limit halves (from the rate actually sent). A queue that
/// stays above half while it drains is not cut again: only one still growing (by a tenth of the
/// queue since the last cut, at least <see cref="DecreaseSpacing"/> later) or new drops cut again, so
/// one overload costs one halving, not a halving per sample; when the queue is nearly empty it
/// climbs back by a fiftieth of the rate it was cut from per step (back in a quarter of a second),
/// up to the ceiling (the options' rate). Multiplicative decrease, additive increase: TCP's answer to
/// the same problem. Pure: the run owns the clock, the thread and the log.
/// </summary>
internal sealed class ReceivePacing
{
    /// <summary>How often the run samples the listener (one getsockopt: cheap).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(5);

    /// <summary>The shortest time between two cuts: a cut shows in the queue only once the replies in flight have landed.</summary>
    public static readonly TimeSpan DecreaseSpacing = TimeSpan.FromMilliseconds(20);

    /// <summary>Queue fill from which the rate is cut: half the queue is still free for the replies already in flight.</summary>
    public const double High = 0.5;

    /// <summary>Queue fill under which the rate climbs back.</summary>
    public const double Low = 0.1;

    /// <summary>How much fuller (a share of the queue) the queue must get after a cut to be cut again without drops.</summary>
    public const double GrowthToCutAgain = 0.1;

    /// <summary>Tests switch the loop off to prove the kernel drops (and the run says so) without it.</summary>
    internal static bool Enabled { get; set; } = true;

    private readonly double _ceiling;
    private readonly double _floor;
    private long _lastDropped;
    private long _lastCut = long.MinValue;
    private double _fillAtCut = -1;
    private double _lastFill;
    private double _cutFrom;

    /// <summary>Starts at the ceiling.</summary>
    /// <param name="ceiling">The options' rate: never exceeded.</param>
    public ReceivePacing(double ceiling)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ceiling, 0);
        _ceiling = ceiling;
        _floor = Math.Min(ceiling, 1_000);
        Limit = ceiling;
        Lowest = ceiling;
        _cutFrom = ceiling;
    }

    /// <summary>The rate the sender may use now, probes per second.</summary>
    public double Limit { get; private set; }

    /// <summary>Cuts so far.</summary>
    public long Reductions { get; private set; }

    /// <summary>The lowest limit so far.</summary>
    public double Lowest { get; private set; }

    /// <summary>Why the last cut was made (for the log).</summary>
    public string LastReason { get; private set; } = "";

    /// <summary>
    /// Takes one sample; true when <see cref="Limit"/> changed. <paramref name="sentRate"/> is what
    /// the sender achieved lately (probes per second), <paramref name="now"/> and
    /// <paramref name="frequency"/> a monotonic timestamp and its ticks per second.
    /// </summary>
    public bool Observe(ReceiveBacklog backlog, double sentRate, long now, long frequency)
    {
        var dropped = backlog.Dropped - _lastDropped;
        _lastDropped = Math.Max(_lastDropped, backlog.Dropped);
        var fill = backlog.Fill;
        if (fill < High)
            _fillAtCut = -1; // drained below the mark: the next crossing is a new overload

        // The kernel also counts as dropped a packet whose checksum fails when it is read, so a
        // trickle of forged packets would pin the rate if every drop cut it: with a queue whose fill
        // is known, drops mean overload only when the queue was in use (a tenth full) in this sample
        // or the last. libpcap tells no fill: there its drops are the only signal.
        var overflow = dropped > 0 && (backlog.BufferBytes == 0 || fill >= Low || _lastFill >= Low);
        _lastFill = fill;
        var behind = fill >= High || overflow;
        if (behind)
        {
            if (_lastCut != long.MinValue && now - _lastCut < DecreaseSpacing.TotalSeconds * frequency)
                return false;
            if (!overflow && _fillAtCut >= 0 && fill < _fillAtCut + GrowthToCutAgain)
                return false; // draining from the last cut: give it time

            // Cut from what was really sent: a CPU-bound sender under a 10M ceiling sends far less.
            var basis = Math.Min(Limit, Math.Max(sentRate, 2 * _floor));
            _cutFrom = basis;
            Limit = Math.Max(_floor, basis / 2);
            Lowest = Math.Min(Lowest, Limit);
            Reductions++;
            _lastCut = now;
            _fillAtCut = fill;
            LastReason = overflow
                ? $"the kernel dropped {dropped} replies"
                : $"its receive queue was {backlog.Fill:P0} full";
            return true;
        }

        if (backlog.Fill < Low && Limit < _ceiling)
        {
            Limit = Math.Min(_ceiling, Limit + Math.Max(_floor / 2, _cutFrom / 50));
            return true;
        }

        return false;
    }
}
