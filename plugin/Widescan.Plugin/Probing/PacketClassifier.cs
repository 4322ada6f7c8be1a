using System.Buffers.Binary;
using Widescan.Contracts;

namespace Widescan.Plugin.Probing;

/// <summary>
/// Turns received bytes into exactly one <see cref="Classification"/>: a narrow face with no I/O, no
/// allocation and no exception on hostile input (zmap's validate + classify). Three entry points: a
/// captured Ethernet frame, a raw IPv6 packet, or an ICMPv6 message from a raw socket with its source.
/// </summary>
/// <remarks>
/// How the kinds are told apart (docs/wire-format.md, "Classification"):
/// an echo reply carrying a probe with our node id, our nonce, our fields and a tag that matches its
/// source and timestamp is our probe echoed by a plain host (HostAlive); an announce of another node is
/// a peer, in a reply or a request; a probe of another node in a request is a scanner to answer. A
/// Widescan node that receives our probe produces both: its kernel's echo (HostAlive) and its announce
/// (PeerDiscovered). An ICMPv6 error (Destination Unreachable, Packet Too Big, Time Exceeded,
/// Parameter Problem) whose quote is one of our probes, validated by the same tag against the quoted
/// destination and timestamp (and with a network key by the quoted probe's MAC), is TargetUnreachable:
/// the target is the quoted destination, the source the router. Not thread-safe (counters, replay cache): one classifier per receive thread.
/// </remarks>
internal sealed class PacketClassifier
{
    // Round trips beyond a day are not round trips; saturating keeps TimeSpan from overflowing.
    private const ulong MaxRoundTripUs = 86_400_000_000;

    private readonly WireIdentity _identity;
    private readonly ValidationTag _tag;
    private readonly ReplayGuard _replay; // announces
    private readonly ReplayGuard _probeReplay; // probes, apart so that a flood of one cannot crowd out the other
    private readonly Predicate<UInt128>? _isOwn;
    private readonly TimeProvider _time;
    private readonly byte _ourFlags;

    // The arrival time of the packet being classified (its capture timestamp), when the caller knows it.
    private DateTimeOffset? _receivedAt;

    /// <summary>Creates the classifier for this node and scan.</summary>
    /// <param name="identity">Our identity and network key.</param>
    /// <param name="tag">This run's validation secret.</param>
    /// <param name="time">The clock.</param>
    /// <param name="replay">The announces' replay guard (tests); a new one when null.</param>
    /// <param name="isOwn">
    /// Whether an address is one of this node's. An echo request (probe or announce) to any other
    /// address was captured in transit and is dropped before its MAC is checked or the replay cache is
    /// touched: genuine keyed messages meant for others would otherwise fill the cache. An ICMPv6
    /// error from one of them is our own kernel's (<see cref="IgnoreReason.OwnError"/>), and one whose
    /// quoted source is none of them is not about our probe (<see cref="IgnoreReason.ForeignError"/>).
    /// Null: every address is ours and no error is our own (tests of the wire format alone).
    /// </param>
    public PacketClassifier(WireIdentity identity, ValidationTag tag, TimeProvider time, ReplayGuard? replay = null, Predicate<UInt128>? isOwn = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(time);
        _identity = identity;
        _tag = tag;
        _time = time;
        _replay = replay ?? new ReplayGuard(time, ReplayGuard.DefaultWindow);
        _probeReplay = new ReplayGuard(time, ReplayGuard.DefaultWindow);
        _isOwn = isOwn;
        _ourFlags = identity.Authenticated ? WireFormat.FlagAuthenticated : (byte)0;
    }

    /// <summary>Packets ignored so far, per reason.</summary>
    public IgnoreCounters Ignored { get; } = new();

    /// <summary>Classifies a captured Ethernet II frame (with up to two VLAN tags).</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="receivedAt">When it arrived (the capture's timestamp), for the round trip; now when null.</param>
    public Classification ClassifyEthernet(ReadOnlySpan<byte> frame, DateTimeOffset? receivedAt = null)
    {
        _receivedAt = receivedAt;
        int offset = 12;
        for (int tags = 0; ; tags++)
        {
            if (frame.Length < offset + 2)
                return Count(IgnoreReason.Truncated);
            ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
            if (etherType == WireFormat.EtherTypeIpv6)
                break;
            if (tags == 2 || etherType is not (WireFormat.EtherTypeVlan or WireFormat.EtherTypeQinQ))
                return Count(IgnoreReason.NotIpv6);
            offset += 4;
        }

        return ClassifyIpv6At(frame, offset + 2);
    }

    /// <summary>Classifies an IPv6 packet (a raw IPv6 capture, or a frame already stripped of its link header).</summary>
    public Classification ClassifyIpv6(ReadOnlySpan<byte> packet, DateTimeOffset? receivedAt = null)
    {
        _receivedAt = receivedAt;
        return ClassifyIpv6At(packet, 0);
    }

    /// <summary>
    /// Classifies an ICMPv6 message as a raw ICMPv6 socket delivers it (the kernel has verified the
    /// checksum). <paramref name="destination"/> is the address it was sent to (IPV6_PKTINFO); a keyed
    /// message's MAC covers it, so with a network key a message of unknown destination (zero) fails.
    /// For an ICMPv6 error, <paramref name="source"/> is the router that sent it.
    /// </summary>
    public Classification ClassifyIcmp(ReadOnlySpan<byte> message, UInt128 source, UInt128 destination = default, DateTimeOffset? receivedAt = null)
    {
        _receivedAt = receivedAt;
        return ClassifyMessage(message, 0, source, destination);
    }

    private Classification ClassifyIpv6At(ReadOnlySpan<byte> bytes, int ipOffset)
    {
        var packet = bytes[ipOffset..];
        var reason = Ipv6HeaderChain.FindIcmp(packet, out var source, out var destination, out int icmpOffset, out int icmpLength);
        if (reason != IgnoreReason.None)
            return Count(reason);
        var message = packet.Slice(icmpOffset, icmpLength);
        if (message.Length < WireFormat.EchoHeaderLength)
            return Count(IgnoreReason.Truncated);
        byte icmpType = message[WireFormat.TypeOffset];
        bool error = WireFormat.IsError(icmpType);
        if (!error && icmpType is not (WireFormat.EchoRequest or WireFormat.EchoReply))
            return Count(IgnoreReason.NotEcho);
        if (!IcmpChecksum.Verify(source, destination, message))
            return Count(IgnoreReason.BadChecksum);
        return error ? ClassifyError(message, source, destination) : ClassifyEchoMessage(message, ipOffset + icmpOffset, source, destination);
    }

    private Classification ClassifyMessage(ReadOnlySpan<byte> message, int messageOffset, UInt128 source, UInt128 destination) =>
        !message.IsEmpty && WireFormat.IsError(message[WireFormat.TypeOffset])
            ? ClassifyError(message, source, destination)
            : ClassifyEchoMessage(message, messageOffset, source, destination);

    /// <summary>
    /// An ICMPv6 error (types 1 to 4) from <paramref name="router"/>: a TargetUnreachable only if its
    /// quote is one of this run's probes, proven without state and as strongly as an echo is: our node
    /// id, the run's nonce and fields, the tag recomputed from the quoted destination and timestamp,
    /// and with a network key the probe's MAC, verified over the quoted source and destination under
    /// the current key (the probe went from there to there as an echo request), so forging an error
    /// needs the key as forging an echo does. Unkeyed, the quote may be cut short (RFC 4443 2.4 (c)
    /// quotes as much as fits in 1,280 bytes; some routers quote less): the first 50 bytes of the echo
    /// hold every field checked. Keyed, it must hold the whole probe: a quote cut before the end of the
    /// MAC proves nothing. When the node's addresses are known, an error from one of them is our own
    /// kernel's (ignored), and a quote whose source is none of them is not about our probe. The
    /// error's checksum is the caller's (verified, or the kernel's).
    /// </summary>
    private Classification ClassifyError(ReadOnlySpan<byte> message, UInt128 router, UInt128 destination)
    {
        if (message.Length < WireFormat.ErrorHeaderLength)
            return Count(IgnoreReason.Truncated);

        // Our kernel's error about our own send (an on-link target whose neighbour discovery failed),
        // seen by the raw socket through lo and never by the capture: the target was silent, no more.
        if (_isOwn is { } isOwn && isOwn(router))
            return Count(IgnoreReason.OwnError);
        var quote = message[WireFormat.ErrorHeaderLength..];
        var chain = Ipv6HeaderChain.FindQuotedIcmp(quote, out var quotedSource, out var target, out int offset, out int length);
        if (chain == IgnoreReason.Truncated)
            return Count(IgnoreReason.QuoteTruncated);
        if (chain != IgnoreReason.None || (_isOwn is { } own && !own(quotedSource)))
            return Count(IgnoreReason.ForeignError);

        var probe = quote.Slice(offset, length);
        if (probe.Length <= WireFormat.CodeOffset)
            return Count(IgnoreReason.QuoteTruncated);
        if (probe[WireFormat.TypeOffset] != WireFormat.EchoRequest || probe[WireFormat.CodeOffset] != 0)
            return Count(IgnoreReason.ForeignError);
        if (probe.Length < WireFormat.FixedLength)
            return Count(IgnoreReason.QuoteTruncated);
        if (BinaryPrimitives.ReadUInt32BigEndian(probe[WireFormat.MagicOffset..]) != WireFormat.Magic
            || probe[WireFormat.VersionOffset] != WireFormat.Version
            || probe[WireFormat.MessageTypeOffset] != (byte)MessageType.Probe)
            return Count(IgnoreReason.ForeignError);
        var nodeId = new NodeId(BinaryPrimitives.ReadUInt128BigEndian(probe[WireFormat.NodeIdOffset..]));
        if (nodeId != _identity.NodeId)
            return Count(IgnoreReason.ForeignError);

        ushort identifier = BinaryPrimitives.ReadUInt16BigEndian(probe[WireFormat.IdentifierOffset..]);
        ushort sequence = BinaryPrimitives.ReadUInt16BigEndian(probe[WireFormat.SequenceOffset..]);
        ulong timestamp = BinaryPrimitives.ReadUInt64BigEndian(probe[WireFormat.TimestampOffset..]);
        ulong nonce = BinaryPrimitives.ReadUInt64BigEndian(probe[WireFormat.NonceOffset..]);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(probe[WireFormat.PortOffset..]);
        if (nonce != _tag.ProbeNonce
            || probe[WireFormat.FlagsOffset] != _ourFlags
            || probe[WireFormat.DataLengthOffset] != WireFormat.ProbePaddingLength
            || port != _identity.ServicePort
            || _tag.Compute(target, timestamp) != (((uint)identifier << 16) | sequence))
            return Count(IgnoreReason.ForgedError);

        // Keyed: the probe's MAC, exactly as ClassifyEcho checks an echoed probe (the quote holds the
        // request as it left, so its own addresses and type), and only under the key we sign with.
        if (_identity.Authenticated)
        {
            if (probe.Length < WireFormat.MessageLength(WireFormat.ProbePaddingLength, true))
                return Count(IgnoreReason.QuoteTruncated);
            if (Authenticate(probe, true, WireFormat.ProbePaddingLength, quotedSource, target, WireFormat.EchoRequest, out var probeKey) != IgnoreReason.None
                || probeKey != WireIdentity.CurrentKey)
                return Count(IgnoreReason.BadMac);
        }

        return new Classification
        {
            Kind = PacketKind.TargetUnreachable,
            Source = router,
            Destination = destination,
            Target = target,
            IcmpType = message[WireFormat.TypeOffset],
            Code = message[WireFormat.CodeOffset],
            NodeId = nodeId,
            Port = port,
            Identifier = identifier,
            Sequence = sequence,
            Timestamp = timestamp,
            Nonce = nonce,
            MessageLength = message.Length,
            RoundTrip = RoundTripFrom(timestamp),
        };
    }

    private Classification ClassifyEchoMessage(ReadOnlySpan<byte> message, int messageOffset, UInt128 source, UInt128 destination)
    {
        if (message.Length < WireFormat.EchoHeaderLength)
            return Count(IgnoreReason.Truncated);
        byte icmpType = message[WireFormat.TypeOffset];
        if (icmpType is not (WireFormat.EchoRequest or WireFormat.EchoReply) || message[WireFormat.CodeOffset] != 0)
            return Count(IgnoreReason.NotEcho);
        if (message.Length < WireFormat.VersionOffset || BinaryPrimitives.ReadUInt32BigEndian(message[WireFormat.MagicOffset..]) != WireFormat.Magic)
            return Count(IgnoreReason.NotWidescan);
        if (message.Length <= WireFormat.VersionOffset)
            return Count(IgnoreReason.Truncated);
        if (message[WireFormat.VersionOffset] != WireFormat.Version)
            return Count(IgnoreReason.UnknownVersion);
        if (message.Length < WireFormat.FixedLength)
            return Count(IgnoreReason.Truncated);

        byte type = message[WireFormat.MessageTypeOffset];
        byte flags = message[WireFormat.FlagsOffset];
        int dataLength = message[WireFormat.DataLengthOffset];
        bool hasMac = (flags & WireFormat.FlagAuthenticated) != 0;
        if (type is not ((byte)MessageType.Probe or (byte)MessageType.Announce) || dataLength > WireFormat.MaxDataLength)
            return Count(IgnoreReason.Malformed);
        int expected = WireFormat.MessageLength(dataLength, hasMac);
        if (message.Length < expected)
            return Count(IgnoreReason.Truncated);
        if (message.Length > expected)
            return Count(IgnoreReason.Malformed);

        var header = new Classification
        {
            Source = source,
            Destination = destination,
            NodeId = new NodeId(BinaryPrimitives.ReadUInt128BigEndian(message[WireFormat.NodeIdOffset..])),
            Port = BinaryPrimitives.ReadUInt16BigEndian(message[WireFormat.PortOffset..]),
            Identifier = BinaryPrimitives.ReadUInt16BigEndian(message[WireFormat.IdentifierOffset..]),
            Sequence = BinaryPrimitives.ReadUInt16BigEndian(message[WireFormat.SequenceOffset..]),
            Timestamp = BinaryPrimitives.ReadUInt64BigEndian(message[WireFormat.TimestampOffset..]),
            Nonce = BinaryPrimitives.ReadUInt64BigEndian(message[WireFormat.NonceOffset..]),
            MessageLength = message.Length,
            DataOffset = messageOffset + WireFormat.DataOffset,
            DataLength = dataLength,
        };
        bool ours = header.NodeId == _identity.NodeId;
        if (icmpType == WireFormat.EchoRequest && !ours && _isOwn is { } isOwn && !isOwn(destination))
            return Count(IgnoreReason.NotForUs);

        if (type == (byte)MessageType.Probe)
        {
            if (icmpType == WireFormat.EchoReply)
                return ours ? ClassifyEcho(message, header) : Count(IgnoreReason.ForeignProbe);
            if (ours)
                return Count(IgnoreReason.OwnPacket);
            var probeAuth = Authenticate(message, hasMac, dataLength, source, destination, icmpType, out var probeKey);
            if (probeAuth != IgnoreReason.None)
                return Count(probeAuth);

            // A captured probe replayed later, or again to the same address, is refused; the key holds
            // the destination and timestamp, so our second address and a second round are new probes.
            if (_identity.Authenticated)
            {
                var freshness = _probeReplay.CheckProbe(header.NodeId, header.Nonce, destination, header.Timestamp);
                if (freshness != Freshness.Fresh)
                    return Count(freshness == Freshness.Stale ? IgnoreReason.Stale : IgnoreReason.Replay);
            }

            return header with { Kind = PacketKind.ProbeReceived, Authenticated = _identity.Authenticated, DataLength = 0, Key = probeKey };
        }

        if (ours)
            return Count(IgnoreReason.OwnPacket);
        var auth = Authenticate(message, hasMac, dataLength, source, destination, icmpType, out var key);
        if (auth != IgnoreReason.None)
            return Count(auth);

        // An announce in an echo reply must answer one of this run's probes: it copies the probe's tag
        // and timestamp, so the tag proves which probe it answers and the timestamp gives the round
        // trip, all without state. One that answers no probe of ours (an announce of an earlier run
        // replayed, a reply meant for another scanner) is nothing to us.
        bool answered = icmpType == WireFormat.EchoReply;
        if (answered && !TagMatches(header))
            return Count(IgnoreReason.UnsolicitedReply);
        if (_identity.Authenticated)
        {
            var freshness = _replay.Check(header.NodeId, header.Nonce, header.Timestamp);
            if (freshness != Freshness.Fresh)
                return Count(freshness == Freshness.Stale ? IgnoreReason.Stale : IgnoreReason.Replay);
        }

        return header with
        {
            Kind = PacketKind.PeerDiscovered,
            Authenticated = _identity.Authenticated,
            AnsweredProbe = answered,
            Key = key,
            RoundTrip = answered ? RoundTripFrom(header.Timestamp) : TimeSpan.Zero,
        };
    }

    /// <summary>An echo reply of a probe with our node id: HostAlive only if every byte is what we sent.</summary>
    private Classification ClassifyEcho(ReadOnlySpan<byte> message, in Classification header)
    {
        if (!TagMatches(header)
            || header.Nonce != _tag.ProbeNonce
            || message[WireFormat.FlagsOffset] != _ourFlags
            || header.DataLength != WireFormat.ProbePaddingLength
            || header.Port != _identity.ServicePort
            || message.Slice(WireFormat.DataOffset, WireFormat.ProbePaddingLength).ContainsAnyExcept((byte)0))
            return Count(IgnoreReason.WrongTag);

        // Our probe left from this echo's destination to its source, as a request: its MAC is checked
        // with the addresses swapped and the request's type, under the key we sign with (the current one).
        if (_identity.Authenticated
            && (Authenticate(message, true, WireFormat.ProbePaddingLength, header.Destination, header.Source, WireFormat.EchoRequest, out var probeKey) != IgnoreReason.None
                || probeKey != WireIdentity.CurrentKey))
            return Count(IgnoreReason.BadMac);

        return header with { Kind = PacketKind.HostAlive, RoundTrip = RoundTripFrom(header.Timestamp), DataLength = 0 };
    }

    /// <summary>Checks the MAC under the current key, then (during a rollover) the next; <paramref name="key"/> is the one it verified under.</summary>
    private IgnoreReason Authenticate(ReadOnlySpan<byte> message, bool hasMac, int dataLength, UInt128 source, UInt128 destination, byte icmpType, out byte key)
    {
        key = WireIdentity.CurrentKey;
        if (!_identity.Authenticated)
            return IgnoreReason.None; // no key: accepted, marked unauthenticated; a MAC is not checkable
        if (!hasMac)
            return IgnoreReason.Unauthenticated;
        int macOffset = WireFormat.DataOffset + dataLength;
        key = _identity.MatchMac(source, destination, icmpType, message[..macOffset], message.Slice(macOffset, WireFormat.MacLength));
        return key == WireIdentity.NoKey ? IgnoreReason.BadMac : IgnoreReason.None;
    }

    private bool TagMatches(in Classification header) =>
        _tag.Compute(header.Source, header.Timestamp) == (((uint)header.Identifier << 16) | header.Sequence);

    private TimeSpan RoundTripFrom(ulong timestamp)
    {
        // A timestamp from the future (clock step) gives zero; one absurdly old saturates instead of
        // overflowing TimeSpan.
        ulong now = WireFormat.Timestamp(_receivedAt ?? _time.GetUtcNow());
        if (timestamp >= now)
            return TimeSpan.Zero;
        ulong elapsed = Math.Min(now - timestamp, MaxRoundTripUs);
        return TimeSpan.FromTicks((long)elapsed * TimeSpan.TicksPerMicrosecond);
    }

    private Classification Count(IgnoreReason reason)
    {
        Ignored.Increment(reason);
        return Classification.Ignore(reason);
    }
}
