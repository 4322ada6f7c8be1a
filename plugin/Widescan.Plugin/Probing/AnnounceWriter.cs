using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Widescan.Plugin.Probing;

/// <summary>
/// Writes this node's announce: as an echo reply answering a probe (identifier, sequence and timestamp
/// copied from the probe, so the prober can match it statelessly and measure the round trip), or as an
/// unsolicited echo request. Each announce takes the next nonce of a counter that starts at a random
/// value, so (node id, nonce) never repeats within a run. Not thread-safe.
/// </summary>
internal sealed class AnnounceWriter
{
    private readonly WireIdentity _identity;
    private readonly TimeProvider _time;
    private ulong _nextNonce;

    /// <summary>Creates the writer; <paramref name="firstNonce"/> fixes the nonces for tests (null: random).</summary>
    public AnnounceWriter(WireIdentity identity, TimeProvider time, ulong? firstNonce = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(time);
        _identity = identity;
        _time = time;
        if (firstNonce is { } nonce)
        {
            _nextNonce = nonce;
        }
        else
        {
            Span<byte> random = stackalloc byte[8];
            RandomNumberGenerator.Fill(random);
            _nextNonce = BinaryPrimitives.ReadUInt64LittleEndian(random);
        }
    }

    /// <summary>Length of our announce: 50 + application data, + 16 with a network key (at most 90).</summary>
    public int MessageLength => WireFormat.MessageLength(_identity.ApplicationData.Length, _identity.Authenticated);

    /// <summary>
    /// Writes the echo reply that answers a probe: the probe's identifier, sequence and timestamp, our
    /// payload and, keyed, the MAC for the reply's addresses (from the address the probe was sent to,
    /// back to its source; the responder sends it from that address). The caller checks the size rule
    /// (<see cref="ResponderPolicy"/>) before sending it.
    /// </summary>
    /// <returns>The number of bytes written (<see cref="MessageLength"/>).</returns>
    /// <exception cref="ArgumentException">Not a received probe, a probe shorter than our announce, or a buffer too short.</exception>
    public int WriteReply(Span<byte> message, in Classification probe)
    {
        if (probe.Kind != PacketKind.ProbeReceived)
            throw new ArgumentException($"an announce answers a ProbeReceived, not {probe.Kind}", nameof(probe));

        // The policy checks this first; the writer holds the line too, so no caller can reflect a
        // spoofed probe into a larger answer.
        if (MessageLength > probe.MessageLength)
            throw new ArgumentException($"an announce of {MessageLength} bytes would be larger than the {probe.MessageLength}-byte probe it answers", nameof(probe));
        // Signed under the key the probe came with: during a rollover a scanner that has moved to the
        // next key verifies only that one.
        return Write(message, WireFormat.EchoReply, probe.Identifier, probe.Sequence, probe.Timestamp, probe.Destination, probe.Source, probe.Key);
    }

    /// <summary>
    /// Writes an unsolicited announce (an echo request) from <paramref name="source"/> to
    /// <paramref name="destination"/> (the addresses a keyed announce's MAC covers), stamped with the
    /// current time.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    public int WriteUnsolicited(Span<byte> message, UInt128 source, UInt128 destination, ushort identifier = 0, ushort sequence = 0) =>
        Write(message, WireFormat.EchoRequest, identifier, sequence, WireFormat.Now(_time), source, destination);

    private int Write(Span<byte> message, byte icmpType, ushort identifier, ushort sequence, ulong timestamp, UInt128 source, UInt128 destination,
        byte key = WireIdentity.CurrentKey)
    {
        int length = MessageLength;
        if (message.Length < length)
            throw new ArgumentException($"an announce needs {length} bytes; the buffer has {message.Length}", nameof(message));
        message = message[..length];
        message[WireFormat.TypeOffset] = icmpType;
        message[WireFormat.CodeOffset] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message[WireFormat.ChecksumOffset..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[WireFormat.IdentifierOffset..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(message[WireFormat.SequenceOffset..], sequence);
        var data = _identity.ApplicationData;
        PayloadWriter.Write(message, _identity, MessageType.Announce, data, data.Length, timestamp, _nextNonce++);
        PayloadWriter.Sign(message, _identity, source, destination, key);
        return length;
    }
}
