using Widescan.Plugin.Probing;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Bounds what unauthenticated, unsolicited messages can add to a run's results. Without a network key
/// an announce that answers none of our probes, or a probe that found us, may come from any spoofed
/// source: reported freely, 500,000 forgeries became 534,748 peer lines and 51 MB. So such responders
/// are admitted at most <see cref="PerPrefix"/> per source /64 and <see cref="PerRun"/> per run;
/// the rest are counted and the run says so. Memory is a fixed table. Authenticated messages (only key
/// holders) and announces answering our probes (their tag proves it) are not limited here. Not
/// thread-safe: the listener's capture thread owns it.
/// </summary>
internal sealed class UnsolicitedBudget
{
    /// <summary>Responders admitted per source /64 (one subnet is one attacker's to spoof).</summary>
    public const int PerPrefix = 4;

    /// <summary>Responders admitted per run in all.</summary>
    public const int PerRun = 4096;

    private const int Slots = 4096;

    private readonly ulong[] _prefixes = new ulong[Slots];
    private readonly byte[] _counts = new byte[Slots];
    private readonly ValidationTag _slotHash = ValidationTag.NewRandom();
    private int _admitted;

    /// <summary>Responders refused so far.</summary>
    public long Refused { get; private set; }

    /// <summary>Whether a new unsolicited, unauthenticated responder at <paramref name="source"/> may be reported; counts it either way.</summary>
    public bool Admit(UInt128 source)
    {
        ulong prefix = (ulong)(source >> 64);
        int slot = (int)(_slotHash.Compute(source >> 64, 0) & (Slots - 1));

        // A prefix landing on a taken slot takes it over with a fresh count; the per-run cap stays the
        // hard bound, so a collision can only admit a little more, never unboundedly.
        if (_prefixes[slot] != prefix || _counts[slot] == 0)
        {
            _prefixes[slot] = prefix;
            _counts[slot] = 0;
        }

        if (_admitted >= PerRun || _counts[slot] >= PerPrefix)
        {
            Refused++;
            return false;
        }

        _counts[slot]++;
        _admitted++;
        return true;
    }
}
