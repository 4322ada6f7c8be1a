namespace Widescan.Plugin.Probing;

/// <summary>
/// The ICMPv6 Echo probe (docs/wire-format.md): echo requests carrying a probe payload, answered by
/// plain hosts with an echo reply and by Widescan nodes with an announce, and by routers with the
/// ICMPv6 errors (types 1 to 4) that quote them. The one probe module so far.
/// </summary>
internal sealed class EchoProbeModule : IProbeModule
{
    /// <summary>
    /// The IPv6 minimum MTU: an ICMPv6 error quotes as much of the invoking packet as fits in a packet
    /// of this size (RFC 4443 section 2.4 (c)), so a buffer of this many bytes holds any error whole.
    /// </summary>
    public const int MinimumMtu = 1280;

    private static readonly byte[] Types =
    [
        WireFormat.DestinationUnreachable, WireFormat.PacketTooBig, WireFormat.TimeExceeded, WireFormat.ParameterProblem,
        WireFormat.EchoRequest, WireFormat.EchoReply,
    ];

    private EchoProbeModule()
    {
    }

    /// <summary>The module (it holds no state).</summary>
    public static EchoProbeModule Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "icmp6-echo";

    /// <inheritdoc />
    /// <remarks>
    /// Echo requests and replies, and the errors 1 to 4. <c>ip6[40]</c> is the byte after a bare IPv6
    /// header, so a packet with extension headers does not match (the classifier checks the type again
    /// anyway). Routers send their errors with a bare outer header (the extension headers of the probe,
    /// if any, are inside the quote, which the classifier walks), so this loses none of them.
    /// </remarks>
    public string CaptureFilter => "icmp6 and (ip6[40]=128 or ip6[40]=129 or (ip6[40]>=1 and ip6[40]<=4))";

    /// <inheritdoc />
    public ReadOnlyMemory<byte> KernelTypes => Types;

    /// <inheritdoc />
    public int MaxProbeLength => WireFormat.MaxProbeLength;

    /// <inheritdoc />
    /// <remarks>
    /// Echo messages are ~100 bytes, but the errors classified through the quoted probe are up to the
    /// minimum MTU, and a buffer sized for those costs the echo path nothing.
    /// </remarks>
    public int ReceiveLength => MinimumMtu;

    /// <inheritdoc />
    public ProbeWriter Prepare(WireIdentity identity, ValidationTag tag, UInt128 source) => new(identity, tag, source);

    /// <inheritdoc />
    public PacketClassifier Classifier(WireIdentity identity, ValidationTag tag, TimeProvider time, Predicate<UInt128>? isOwn) =>
        new(identity, tag, time, isOwn: isOwn);
}
