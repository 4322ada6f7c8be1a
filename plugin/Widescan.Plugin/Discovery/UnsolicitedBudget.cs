using Widescan.Plugin.Probing;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Bounds what unauthenticated, unsolicited messages can add to a run's results. Without a network key
/// an announce that answers none of our probes, or a probe that found us, may come from any spoofed
/// source: reported freely, 500,000 forgeries became 534,748 peer lines and 51 MB. So such responders
/// are admitted at most <see cref="PerPrefix"/> per source /64 while that /64 is active, and in all at
/// a burst of <see cref="Burst"/> refilled at <see cref="PerSecond"/> a second (so a flood cannot shut
/// out genuine peers for good on a listener that runs for days, and memory grows with time, never
/// with the flood). The rest are counted and the run says so. Authenticated messages (only key
/// holders) and announces answering our probes (their tag proves it) are not limited here. Not
/// thread-safe: the listener's capture thread owns it.
/// </summary>
internal sealed class UnsolicitedBudget
{
    /// <summary>Responders admitted per source /64 while its slot is live (one subnet is one attacker's to spoof).</summary>
    public const int PerPrefix = 4;

    /// <summary>Responders admitted at once in all.</summary>
    public const int Burst = 4096;

    /// <summary>Responders admitted per second in all, once the burst is spent.</summary>
    public const double PerSecond = 1;

    /// <summary>A /64 unseen this long frees its slot for another.</summary>
    public static readonly TimeSpan SlotLifetime = TimeSpan.FromMinutes(1);

    private const int Slots = 4096;

    private readonly TimeProvider _time;
    private readonly Slot[] _slots = new Slot[Slots];
    private readonly ValidationTag _hashA = ValidationTag.NewRandom();
    private readonly ValidationTag _hashB = ValidationTag.NewRandom();
    private double _tokens = Burst;
    private long _refilled;

    /// <summary>Creates the budget on <paramref name="time"/>.</summary>
    public UnsolicitedBudget(TimeProvider time)
    {
        _time = time;
        _refilled = time.GetTimestamp();
    }

    /// <summary>Responders refused so far.</summary>
    public long Refused { get; private set; }

    /// <summary>Whether a new unsolicited, unauthenticated responder at <paramref name="source"/> may be reported; counts it either way.</summary>
    public bool Admit(UInt128 source)
    {
        long now = _time.GetTimestamp();
        Refill(now);
        ulong prefix = (ulong)(source >> 64);

        // Two candidate slots per /64 (two keyed hashes): the one holding this /64, else one that is
        // free or idle past its lifetime. A live slot is never taken over, so colliding /64s cannot
        // reset each other's count; when both are live with others, the responder is refused.
        ref var a = ref _slots[(int)(_hashA.Compute(source >> 64, 0) & (Slots - 1))];
        ref var b = ref _slots[(int)(_hashB.Compute(source >> 64, 0) & (Slots - 1))];
        long lifetime = (long)(SlotLifetime.TotalSeconds * _time.TimestampFrequency);
        ref var slot = ref a;
        if (a.Count > 0 && a.Prefix == prefix)
        {
            if (now - a.LastSeen > lifetime)
                a.Count = 0;
        }
        else if (b.Count > 0 && b.Prefix == prefix)
        {
            slot = ref b;
            if (now - b.LastSeen > lifetime)
                b.Count = 0;
        }
        else if (a.Count == 0 || now - a.LastSeen > lifetime)
            a = new Slot { Prefix = prefix };
        else if (b.Count == 0 || now - b.LastSeen > lifetime)
        {
            b = new Slot { Prefix = prefix };
            slot = ref b;
        }
        else
            return Refuse();

        if (slot.Count >= PerPrefix || _tokens < 1)
            return Refuse();
        slot.Count++;
        slot.LastSeen = now;
        _tokens -= 1;
        return true;
    }

    private bool Refuse()
    {
        Refused++;
        return false;
    }

    private void Refill(long now)
    {
        double seconds = (double)(now - _refilled) / _time.TimestampFrequency;
        if (seconds > 0)
            _tokens = Math.Min(Burst, _tokens + (seconds * PerSecond));
        _refilled = now;
    }

    private struct Slot
    {
        public ulong Prefix;
        public int Count;
        public long LastSeen;
    }
}
