using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Answers another Widescan's probe with our announce (an echo reply carrying the probe's identifier,
/// sequence and timestamp), within the responder policy: never larger than the probe, bounded per
/// source prefix and per second. Called on the listener's one capture thread; not thread-safe.
/// </summary>
internal sealed class AnnounceResponder : IDisposable
{
    private readonly ResponderPolicy _policy;
    private readonly AnnounceWriter _writer;
    private readonly RawIcmpv6Sender _socket;
    private readonly DiscoveryCounters _counters;

    public AnnounceResponder(WireIdentity identity, DiscoverySession session, RawIcmpv6Sender socket)
    {
        _policy = new ResponderPolicy(session.Time);
        _writer = new AnnounceWriter(identity, session.Time);
        _socket = socket;
        _counters = session.Counters;
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
        var result = _socket.SendBatch(new ReadOnlySpan<UInt128>(in source), ref writer);
        if (result.Sent == 1)
            _counters.AddAnnouncesSent(1);
        return result.Sent == 1;
    }

    public void Dispose() => _socket.Dispose();

    private readonly struct AnnounceMessageWriter(AnnounceWriter writer, Classification probe) : IIcmpv6MessageWriter
    {
        public int Write(UInt128 destination, Span<byte> message) => writer.WriteReply(message, probe);
    }
}
