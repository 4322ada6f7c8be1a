namespace Widescan.Plugin.Transport;

/// <summary>ICMPv6 type numbers the transport deals in (RFC 4443).</summary>
internal static class Icmpv6Types
{
    public const byte EchoRequest = 128;
    public const byte EchoReply = 129;
}

/// <summary>Settings of a <see cref="RawIcmpv6Receiver"/>.</summary>
internal sealed record RawIcmpv6ReceiverOptions
{
    /// <summary>
    /// The receive queue asked for. 128 MB (granted as root through SO_RCVBUFFORCE, else capped by
    /// net.core.rmem_max) holds about half a second of echo replies at 250k pps with the kernel's
    /// ~1 KB charge per packet: room for the pacing loop to act long before anything is dropped.
    /// </summary>
    public int ReceiveBufferBytes { get; init; } = 128 << 20;

    /// <summary>Messages per recvmmsg call.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>A pause before each read (tests only: a slow reader whose queue grows); zero in production.</summary>
    public TimeSpan Stall { get; init; }

    /// <summary>
    /// The ICMPv6 types the kernel lets through to this socket (ICMP6_FILTER); every other type is
    /// blocked. The probe module's (<see cref="Probing.IProbeModule.KernelTypes"/>); none is an error.
    /// </summary>
    public ReadOnlyMemory<byte> KernelTypes { get; init; }

    /// <summary>
    /// Bytes kept of each message; longer ones are cut (and counted). The probe module's
    /// <see cref="Probing.IProbeModule.ReceiveLength"/>: at least 1,280, so an ICMPv6 error and the
    /// packet it quotes fit whole.
    /// </summary>
    public int SlotLength { get; init; } = 2048;

    /// <summary>
    /// Longest wait in poll, and so the longest a cancelled <see cref="RawIcmpv6Receiver.Run"/> takes
    /// to return (every stopping run waits for it) and how soon a deleted interface is noticed.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Interface to listen on (SO_BINDTODEVICE); null hears every interface of the namespace.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>Source of the timestamps handed with each message.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (ReceiveBufferBytes < 1024)
            throw new ArgumentException($"receive buffer {ReceiveBufferBytes} bytes is below 1024");
        if (Stall < TimeSpan.Zero || Stall > TimeSpan.FromSeconds(1))
            throw new ArgumentException($"stall {Stall} out of range (0 - 1 s)");
        if (BatchSize is < 1 or > 1024)
            throw new ArgumentException($"batch size {BatchSize} out of range (1-1024)");
        if (KernelTypes.IsEmpty)
            throw new ArgumentException("no ICMPv6 type passes the kernel filter: set KernelTypes (the probe module's)");
        if (SlotLength is < 8 or > 65_535)
            throw new ArgumentException($"slot length {SlotLength} out of range (8-65535)");
        if (PollInterval < TimeSpan.FromMilliseconds(1) || PollInterval > TimeSpan.FromSeconds(10))
            throw new ArgumentException($"poll interval {PollInterval} out of range (1 ms - 10 s)");
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
