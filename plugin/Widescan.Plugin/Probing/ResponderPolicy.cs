namespace Widescan.Plugin.Probing;

/// <summary>Whether to answer a probe with an announce, and if not, why.</summary>
internal enum ResponderVerdict : byte
{
    /// <summary>Send the announce.</summary>
    Answer,

    /// <summary>Our announce would be longer than the probe: answering would amplify a spoofed probe.</summary>
    TooLarge,

    /// <summary>This source (prefix) has used its announces for now.</summary>
    SourceLimited,

    /// <summary>The node has used its announces per second for now.</summary>
    GlobalLimited,
}

/// <summary>The responder's limits.</summary>
/// <param name="PerSecond">Announces per second for all sources together.</param>
/// <param name="Burst">The most announces sent at once for all sources together.</param>
/// <param name="PerSourcePerSecond">Announces per second to one source prefix.</param>
/// <param name="PerSourceBurst">The most announces sent at once to one source prefix.</param>
/// <param name="SourcePrefixLength">Sources are grouped by this prefix (64: one subnet counts as one source, since whoever spoofs one address of a /64 usually holds all of it).</param>
/// <param name="TrackedSources">Per-source buckets; a power of two (bounded memory). Prefixes that hash to one bucket share it.</param>
internal sealed record ResponderLimits(
    double PerSecond = 100,
    double Burst = 100,
    double PerSourcePerSecond = 2,
    double PerSourceBurst = 16,
    int SourcePrefixLength = 64,
    int TrackedSources = 4096)
{
    /// <summary>Every problem with the limits, each naming the fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(PerSecond > 0) || !(Burst >= 1))
            errors.Add($"responder rate {PerSecond}/s with burst {Burst}: use a positive rate and a burst of at least 1");
        if (!(PerSourcePerSecond > 0) || !(PerSourceBurst >= 1))
            errors.Add($"per-source rate {PerSourcePerSecond}/s with burst {PerSourceBurst}: use a positive rate and a burst of at least 1");
        if (SourcePrefixLength is < 1 or > 128)
            errors.Add($"source prefix length /{SourcePrefixLength} is out of range (1-128)");
        if (TrackedSources < 1 || (TrackedSources & (TrackedSources - 1)) != 0)
            errors.Add($"tracked sources {TrackedSources} must be a power of two");
        return errors;
    }
}

/// <summary>
/// Decides whether a received probe gets an announce: never one longer than the probe (no reflection
/// amplification), at most a burst and a rate per source prefix and for the whole node (token buckets
/// on an injected <see cref="TimeProvider"/>). The per-source table is a fixed array of buckets indexed
/// by a keyed hash of the prefix, and prefixes that land on one slot share its bucket: a prefix always
/// maps to its one slot, whose tokens nothing resets, so the announces one /64 gets are at most a burst
/// and a rate whatever else arrives. (A slot taken over by each new prefix with a fresh bucket let an
/// attacker alternate spoofed probes from a victim's /64 with probes from colliding /64s, resetting the
/// victim's bucket each time and aiming most of the node's answers at it.) Not thread-safe.
/// </summary>
internal sealed class ResponderPolicy
{
    private readonly TimeProvider _time;
    private readonly ResponderLimits _limits;
    private readonly UInt128 _prefixMask;
    private readonly Bucket[] _sources;
    private readonly ValidationTag _slotHash = ValidationTag.NewRandom();
    private Bucket _global;

    /// <summary>Creates the policy; buckets start full.</summary>
    /// <exception cref="ArgumentException">The limits are invalid; the message lists why.</exception>
    public ResponderPolicy(TimeProvider time, ResponderLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _limits = limits ?? new ResponderLimits();
        var errors = _limits.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("invalid responder limits: " + string.Join("; ", errors), nameof(limits));
        _time = time;
        _prefixMask = _limits.SourcePrefixLength == 128 ? UInt128.MaxValue : ~(UInt128.MaxValue >> _limits.SourcePrefixLength);
        _sources = new Bucket[_limits.TrackedSources];
        _global = new Bucket(_limits.Burst, time.GetTimestamp());
    }

    /// <summary>The limits in force.</summary>
    public ResponderLimits Limits => _limits;

    /// <summary>Decides for one probe; when the answer is yes, the tokens are spent.</summary>
    /// <param name="source">The probe's source address (where the announce would go).</param>
    /// <param name="probeLength">The probe's ICMPv6 message length.</param>
    /// <param name="announceLength">Our announce's ICMPv6 message length.</param>
    public ResponderVerdict Decide(UInt128 source, int probeLength, int announceLength)
    {
        if (announceLength > probeLength)
            return ResponderVerdict.TooLarge;

        long now = _time.GetTimestamp();
        UInt128 prefix = source & _prefixMask;
        ref var slot = ref _sources[(int)(_slotHash.Compute(prefix, 0) & (uint)(_sources.Length - 1))];
        if (!slot.Used)
            slot = new Bucket(_limits.PerSourceBurst, now);

        Refill(ref slot, now, _limits.PerSourcePerSecond, _limits.PerSourceBurst);
        if (slot.Tokens < 1)
            return ResponderVerdict.SourceLimited;
        Refill(ref _global, now, _limits.PerSecond, _limits.Burst);
        if (_global.Tokens < 1)
            return ResponderVerdict.GlobalLimited;
        slot.Tokens -= 1;
        _global.Tokens -= 1;
        return ResponderVerdict.Answer;
    }

    private void Refill(ref Bucket bucket, long now, double rate, double burst)
    {
        double seconds = (double)(now - bucket.Stamp) / _time.TimestampFrequency;
        if (seconds > 0)
            bucket.Tokens = Math.Min(burst, bucket.Tokens + (seconds * rate));
        bucket.Stamp = now;
    }

    private struct Bucket(double tokens, long stamp)
    {
        public double Tokens = tokens;
        public long Stamp = stamp;
        public bool Used = true;
    }
}
