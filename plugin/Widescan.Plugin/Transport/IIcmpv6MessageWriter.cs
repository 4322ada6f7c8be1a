namespace Widescan.Plugin.Transport;

/// <summary>
/// Writes the ICMPv6 message (from the type byte on; the kernel adds the IPv6 header and fills in
/// the checksum) for one destination into a reused slot buffer. Implementations keep no I/O of their
/// own; a struct implementation is called without boxing or a virtual call.
/// </summary>
internal interface IIcmpv6MessageWriter
{
    /// <summary>Writes the message for <paramref name="destination"/>; returns its length (4 or more).</summary>
    /// <param name="destination">The target address (most significant bit first on the wire).</param>
    /// <param name="message">The slot: capacity is the sender's maximum message length. It still holds
    /// what the previous call wrote to this slot, so fixed bytes may be written once.</param>
    int Write(UInt128 destination, Span<byte> message);
}

/// <summary>What one <see cref="RawIcmpv6Sender.SendBatch{TWriter}"/> call did with its destinations.</summary>
/// <param name="Sent">Messages the kernel accepted.</param>
/// <param name="Failed">Messages given up on, each counted (never dropped silently): after the retry
/// budget ran out (ENOBUFS, EAGAIN), or refused by the kernel for that destination (for example
/// ENETUNREACH). <c>Sent + Failed</c> always equals the number of destinations.</param>
/// <param name="Retries">Back-off sleeps taken before retrying the unsent remainder.</param>
/// <param name="LastErrno">The last errno seen in this call, 0 when none.</param>
internal readonly record struct SendResult(int Sent, int Failed, int Retries, int LastErrno);
