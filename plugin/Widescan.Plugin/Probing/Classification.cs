using Widescan.Contracts;

namespace Widescan.Plugin.Probing;

/// <summary>What a received packet is, as far as Widescan cares.</summary>
internal enum PacketKind : byte
{
    /// <summary>Nothing to act on; <see cref="Classification.Reason"/> says why.</summary>
    Ignored,

    /// <summary>Our probe came back unchanged in an echo reply: the source is alive.</summary>
    HostAlive,

    /// <summary>A valid announce of another node.</summary>
    PeerDiscovered,

    /// <summary>Another node's probe reached us: a candidate for an announce in reply.</summary>
    ProbeReceived,

    /// <summary>
    /// An ICMPv6 error (types 1 to 4) quoting one of this run's probes: <see cref="Classification.Target"/>
    /// is the probe's destination, <see cref="Classification.Source"/> the router that sent the error.
    /// </summary>
    TargetUnreachable,
}

/// <summary>Why a packet was ignored. The values index <see cref="IgnoreCounters"/>.</summary>
internal enum IgnoreReason : byte
{
    /// <summary>Not ignored.</summary>
    None,

    /// <summary>Shorter than a header or a length field says.</summary>
    Truncated,

    /// <summary>Not an IPv6 packet (EtherType or version nibble).</summary>
    NotIpv6,

    /// <summary>
    /// Not a message the classifier reads: an ICMPv6 echo request or reply with code 0, or an error of
    /// types 1 to 4 (or the chain ends in ESP / no next header).
    /// </summary>
    NotEcho,

    /// <summary>A routing header with segments left, a misplaced hop-by-hop header or an over-long chain.</summary>
    BadExtensionHeader,

    /// <summary>A fragment: non-first fragments carry no echo header, and Widescan messages are never fragmented.</summary>
    Fragment,

    /// <summary>The ICMPv6 checksum does not verify (layer-2 and IPv6 entry points only).</summary>
    BadChecksum,

    /// <summary>An echo without the "WSCN" magic: somebody else's ping.</summary>
    NotWidescan,

    /// <summary>A Widescan payload of a version this code does not speak.</summary>
    UnknownVersion,

    /// <summary>An unknown message type, a data length over 24 or bytes past the end of the message.</summary>
    Malformed,

    /// <summary>A message carrying our own node id that is not our echoed probe (our own sends, captured).</summary>
    OwnPacket,

    /// <summary>An echo reply of a probe with our node id whose tag, nonce or fields do not match what we sent.</summary>
    WrongTag,

    /// <summary>An echo reply carrying another node's probe: we did not send it.</summary>
    ForeignProbe,

    /// <summary>A network key is set and the message carries no MAC.</summary>
    Unauthenticated,

    /// <summary>The MAC does not verify under the network key: altered, or another network.</summary>
    BadMac,

    /// <summary>An authenticated announce or probe outside the timestamp window.</summary>
    Stale,

    /// <summary>An authenticated announce or probe seen within the window (same node id and nonce; for a probe also the same destination and timestamp), or that cannot be proven fresh.</summary>
    Replay,

    /// <summary>An announce in an echo reply whose tag matches none of this run's probes: an earlier run's answer replayed, or a reply meant for another scanner.</summary>
    UnsolicitedReply,

    /// <summary>An echo request (a probe or an announce) sent to an address that is not this node's: captured in transit, on a router or a shared link.</summary>
    NotForUs,

    /// <summary>
    /// An ICMPv6 error whose quote is not a Widescan probe of any node: it quotes no IPv6 packet, a
    /// packet that is not an echo request with code 0 (or one behind a routing header still under
    /// way), somebody else's ping, a probe of another node id, or (when the node's addresses are
    /// known) a packet whose source is not one of them. Errors about other traffic.
    /// </summary>
    ForeignError,

    /// <summary>
    /// An ICMPv6 error whose quote ends before the quoted probe's tag, node id, timestamp and nonce
    /// (the first 50 bytes of the echo), or, with a network key, before the end of its MAC: it cannot
    /// be validated, so it is not ours to report.
    /// </summary>
    QuoteTruncated,

    /// <summary>
    /// An ICMPv6 error quoting a probe with our node id that this run did not send: another nonce (an
    /// earlier run), other fields, or a tag that does not match the quoted destination and timestamp
    /// (forged, or altered on the way). With a network key, a quote whose MAC does not verify is
    /// <see cref="BadMac"/> instead.
    /// </summary>
    ForgedError,

    /// <summary>
    /// An ICMPv6 error sent from one of this node's own addresses: our own kernel, about our own send
    /// (neighbour discovery failed for an on-link target: "address unreachable", looped back to the
    /// raw socket). It says nothing about the target beyond its silence, and the capture listener
    /// never sees it, so neither listener reports it.
    /// </summary>
    OwnError,
}

/// <summary>
/// The classifier's verdict on one packet. A plain struct: classification allocates nothing. The
/// application data is not copied; <see cref="Data"/> slices it from the bytes that were classified.
/// </summary>
internal readonly struct Classification
{
    /// <summary>What the packet is.</summary>
    public PacketKind Kind { get; init; }

    /// <summary>Why it was ignored; <see cref="IgnoreReason.None"/> otherwise.</summary>
    public IgnoreReason Reason { get; init; }

    /// <summary>The packet's source: the live host, the peer, the scanner, or the router that sent an error.</summary>
    public UInt128 Source { get; init; }

    /// <summary>The packet's destination (zero when the raw-socket entry point was not told it).</summary>
    public UInt128 Destination { get; init; }

    /// <summary>For <see cref="PacketKind.TargetUnreachable"/>: the target, the destination of the quoted probe.</summary>
    public UInt128 Target { get; init; }

    /// <summary>For <see cref="PacketKind.TargetUnreachable"/>: the error's ICMPv6 type (1 to 4).</summary>
    public byte IcmpType { get; init; }

    /// <summary>For <see cref="PacketKind.TargetUnreachable"/>: the error's ICMPv6 code, as sent.</summary>
    public byte Code { get; init; }

    /// <summary>The sender's node id (peer or scanner; ours in a quoted probe).</summary>
    public NodeId NodeId { get; init; }

    /// <summary>The announced service port.</summary>
    public ushort Port { get; init; }

    /// <summary>Whether the message's MAC verified under our network key.</summary>
    public bool Authenticated { get; init; }

    /// <summary>For a peer: its announce came in an echo reply whose tag is one of our probes'.</summary>
    public bool AnsweredProbe { get; init; }

    /// <summary>
    /// The key an authenticated message verified under (<see cref="WireIdentity.CurrentKey"/>, or
    /// <see cref="WireIdentity.NextKey"/> during a rollover); the announce answering a probe is signed with it.
    /// </summary>
    public byte Key { get; init; }

    /// <summary>From our probe's timestamp to now (HostAlive, and a peer that answered our probe).</summary>
    public TimeSpan RoundTrip { get; init; }

    /// <summary>The echo identifier (to copy into an announce that answers a probe).</summary>
    public ushort Identifier { get; init; }

    /// <summary>The echo sequence number (to copy into an announce that answers a probe).</summary>
    public ushort Sequence { get; init; }

    /// <summary>The message's timestamp in Unix microseconds (a probe's is copied into the announce answering it).</summary>
    public ulong Timestamp { get; init; }

    /// <summary>The message's nonce.</summary>
    public ulong Nonce { get; init; }

    /// <summary>Length of the ICMPv6 message: an announce answering a probe must not be longer.</summary>
    public int MessageLength { get; init; }

    /// <summary>Offset of the application data within the classified bytes.</summary>
    public int DataOffset { get; init; }

    /// <summary>Length of the application data (0 to 24).</summary>
    public int DataLength { get; init; }

    /// <summary>The application data, sliced from the same bytes that were classified.</summary>
    public ReadOnlySpan<byte> Data(ReadOnlySpan<byte> classified) => classified.Slice(DataOffset, DataLength);

    /// <summary>An ignored packet.</summary>
    public static Classification Ignore(IgnoreReason reason) => new() { Kind = PacketKind.Ignored, Reason = reason };

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        PacketKind.Ignored => $"Ignored({Reason})",
        PacketKind.TargetUnreachable => $"{Kind} {Ipv6Address.Format(Target)} (type {IcmpType} code {Code}) from {Ipv6Address.Format(Source)}",
        _ => $"{Kind} from {Ipv6Address.Format(Source)}",
    };
}

/// <summary>How many packets were ignored, per reason. Not thread-safe: one per classifier (per listener thread).</summary>
internal sealed class IgnoreCounters
{
    private readonly ulong[] _counts = new ulong[Enum.GetValues<IgnoreReason>().Length];

    /// <summary>Counts one packet.</summary>
    public void Increment(IgnoreReason reason) => _counts[(int)reason]++;

    /// <summary>The count of one reason.</summary>
    public ulong this[IgnoreReason reason] => _counts[(int)reason];

    /// <summary>All ignored packets.</summary>
    public ulong Total
    {
        get
        {
            ulong total = 0;
            foreach (var count in _counts)
                total += count;
            return total;
        }
    }
}
