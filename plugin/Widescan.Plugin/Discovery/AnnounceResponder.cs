using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Answers another Widescan's probe with our announce (an echo reply carrying the probe's identifier,
/// sequence and timestamp), within the responder policy: never larger than the probe, bounded per
/// source prefix and per second. The announce leaves from the address the probe was sent to, as the
/// kernel's own echo reply does, so the scanner matches it to its probe (the kernel would otherwise
/// pick whichever of our addresses suits the route back). Called on the listener's one capture
/// thread; not thread-safe.
/// </summary>
internal sealed class AnnounceResponder : IDisposable
{
    private readonly ResponderPolicy _policy;
    private readonly AnnounceWriter _writer;
    // A node has few addresses; past this many the unbound socket answers for the rest.
    private const int MaxBoundSockets = 64;

    private readonly RawIcmpv6Sender _socket;
    private readonly Dictionary<UInt128, RawIcmpv6Sender> _bound = [];
    private readonly DiscoveryCounters _counters;

    /// <summary>Opens the sockets on the calling thread (so in its network namespace): an unbound one, and one bound to each local address.</summary>
    public AnnounceResponder(WireIdentity identity, DiscoverySession session, RawIcmpv6SenderOptions socketOptions)
    {
        _policy = new ResponderPolicy(session.Time);
        _writer = new AnnounceWriter(identity, session.Time);
        _socket = Privileges.Translate(() => new RawIcmpv6Sender(socketOptions));
        _counters = session.Counters;
        if (socketOptions.SourceAddress is not null)
            return;
        foreach (var local in LocalAddresses.Global(socketOptions.InterfaceName).Take(MaxBoundSockets))
        {
            try
            {
                _bound[local] = new RawIcmpv6Sender(socketOptions with { SourceAddress = local });
            }
            catch (IOException e)
            {
                DiscoveryLog.For(session).Debug("Cannot answer from {Address}: {Reason}", Ipv6Address.Format(local), e.Message);
            }
        }
    }

    /// <summary>Refusals of the policy, by verdict (too large, source-limited, globally limited).</summary>
    public long Refused { get; private set; }

    /// <summary>Sends the announce answering <paramref name="probe"/>; false when the policy refused or the send failed.</summary>
    public bool Answer(in Classification probe)
    {
        if (_policy.Decide(probe.Source, probe.MessageLength, _writer.MessageLength) != ResponderVerdict.Answer)
        {
            Refused++;
            return false;
        }

        var writer = new AnnounceMessageWriter(_writer, probe);
        var source = probe.Source;
        var result = SocketFrom(probe.Destination).SendBatch(new ReadOnlySpan<UInt128>(in source), ref writer);
        if (result.Sent == 1)
            _counters.AddAnnouncesSent(1);
        return result.Sent == 1;
    }

    /// <summary>The socket bound to <paramref name="local"/>, or the unbound one (a prefix routed "local", or past the cap).</summary>
    private RawIcmpv6Sender SocketFrom(UInt128 local) => _bound.GetValueOrDefault(local) ?? _socket;

    public void Dispose()
    {
        _socket.Dispose();
        foreach (var socket in _bound.Values)
            socket.Dispose();
    }

    private readonly struct AnnounceMessageWriter(AnnounceWriter writer, Classification probe) : IIcmpv6MessageWriter
    {
        public int Write(UInt128 destination, Span<byte> message) => writer.WriteReply(message, probe);
    }
}
