namespace Widescan.Plugin.Probing;

/// <summary>
/// One probe protocol in one place, as zmap's <c>probe_module_t</c>: what the capture lets through,
/// what the raw socket's kernel filter passes, how long messages are sent and received, the per-run
/// template (prepare) whose per-target calls point it at one destination (set target), and the
/// classifier of what comes back. The listener and the broadcasters take all of these from the
/// module, so another probe (ICMPv6 errors quoting our probe, UDP to a P2P port) changes this face's
/// implementation, not the transport.
/// </summary>
/// <remarks>
/// Every member here is asked once per run (when a capture, a socket or a sender opens), never per
/// packet. The per-packet calls are those of what <see cref="Prepare"/> returns (a sealed class,
/// called directly through the sender's struct message writers) and of the classifier: no virtual
/// dispatch and no allocation per packet.
/// </remarks>
internal interface IProbeModule
{
    /// <summary>The module's name, for logs ("icmp6-echo").</summary>
    string Name { get; }

    /// <summary>
    /// The libpcap (BPF) filter of what the listener captures. The capture adds what is its own
    /// (on Ethernet: not the frames our own MAC sent).
    /// </summary>
    string CaptureFilter { get; }

    /// <summary>The ICMPv6 types a raw receiving socket's ICMP6_FILTER lets through; every other type is blocked in the kernel.</summary>
    ReadOnlyMemory<byte> KernelTypes { get; }

    /// <summary>The longest ICMPv6 message this module sends (probes; a responder's announces are never longer).</summary>
    int MaxProbeLength { get; }

    /// <summary>
    /// The longest IPv6 packet whose every byte the classifier may need: receive buffers hold at
    /// least this much (libpcap's snap length adds the link header to it; a raw socket's slot, which
    /// gets the message without the IPv6 header, holds it with room to spare).
    /// </summary>
    int ReceiveLength { get; }

    /// <summary>Prepares the run's probe template for this node, scan secret and source address.</summary>
    /// <param name="identity">Our identity and network key.</param>
    /// <param name="tag">The run's validation secret.</param>
    /// <param name="source">The address probes leave from (a keyed probe's MAC covers it).</param>
    ProbeWriter Prepare(WireIdentity identity, ValidationTag tag, UInt128 source);

    /// <summary>The classifier of what the listener receives in this run (one per receive thread).</summary>
    /// <param name="identity">Our identity and network key.</param>
    /// <param name="tag">The run's validation secret, the one <see cref="Prepare"/> was given.</param>
    /// <param name="time">The run's clock.</param>
    /// <param name="isOwn">Whether an address is this node's (see <see cref="PacketClassifier"/>).</param>
    PacketClassifier Classifier(WireIdentity identity, ValidationTag tag, TimeProvider time, Predicate<UInt128>? isOwn);
}

/// <summary>Which probe module a run uses: the one place a later probe is chosen.</summary>
internal static class ProbeModules
{
    /// <summary>The module of a run with these options (the echo probe; the only one so far).</summary>
    public static IProbeModule For(Widescan.Contracts.WidescanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return EchoProbeModule.Instance;
    }
}
