namespace Widescan.Plugin.Transport;

/// <summary>Settings of a <see cref="RawIcmpv6Sender"/>; validated once when the sender is made.</summary>
internal sealed record RawIcmpv6SenderOptions
{
    /// <summary>
    /// Messages per sendmmsg call. 256 amortises the syscall (FACTS: 121k pps against 110k for one
    /// sendto each) while a batch still fits in the L2 cache.
    /// </summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Capacity of each slot: 1232 = the IPv6 minimum MTU (1280) less the IPv6 header and 8 bytes,
    /// so a message never needs fragmentation.</summary>
    public int MaxMessageLength { get; init; } = 1232;

    /// <summary>First sleep after ENOBUFS or EAGAIN; doubled on each failure without progress.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Longest single sleep of the exponential back-off.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Consecutive failed attempts (no message accepted) after which the rest of the batch is
    /// reported as failed. 12 attempts at 1, 2, 4, ... capped at 100 ms wait about 0.8 s in all,
    /// time for the neighbour table to age out some INCOMPLETE entries.
    /// </summary>
    public int MaxAttemptsWithoutProgress { get; init; } = 12;

    /// <summary>Interface to send on (SO_BINDTODEVICE); null sends where the routing table says.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>Source address to bind; null lets the kernel choose.</summary>
    public UInt128? SourceAddress { get; init; }

    /// <summary>Socket send buffer in bytes; null keeps the kernel default.</summary>
    public int? SendBufferBytes { get; init; }

    /// <summary>How the sender waits between retries; tests inject one that records instead of sleeping.</summary>
    public Action<TimeSpan> Delay { get; init; } = Thread.Sleep;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (BatchSize is < 1 or > 1024)
            throw new ArgumentException($"batch size {BatchSize} out of range (1-1024)");
        if (MaxMessageLength is < 8 or > 65_527)
            throw new ArgumentException($"maximum message length {MaxMessageLength} out of range (8-65527)");
        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
            throw new ArgumentException($"back-off {InitialBackoff}..{MaxBackoff} must be positive and increasing");
        if (MaxAttemptsWithoutProgress < 1)
            throw new ArgumentException($"at least one attempt is needed, not {MaxAttemptsWithoutProgress}");
        if (SendBufferBytes is <= 0)
            throw new ArgumentException($"send buffer {SendBufferBytes} must be positive");
        ArgumentNullException.ThrowIfNull(Delay);
    }
}
