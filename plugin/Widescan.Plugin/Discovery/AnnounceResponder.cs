using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Answers another Widescan's probe with our announce (an echo reply carrying the probe's identifier,
/// sequence and timestamp), within the responder policy: never larger than the probe, bounded per
/// source prefix and per second. The announce leaves from the address the probe was sent to, as the
/// kernel's own echo reply does, so the scanner matches it to its probe (the kernel would otherwise
/// pick whichever of our addresses suits the route back). It answers only probes sent to one of
/// <see cref="OwnAddresses"/>, each from a socket bound to that address. Called on the listener's one
/// capture thread; not thread-safe.
/// </summary>
internal sealed class AnnounceResponder : IDisposable
{
    private readonly ResponderPolicy _policy;
    private readonly AnnounceWriter _writer;
    private readonly Dictionary<UInt128, RawIcmpv6Sender> _bound = [];
    private readonly DiscoveryCounters _counters;
    private readonly DiscoverySession _session;

    /// <summary>Opens, on the calling thread (so in its network namespace), one socket bound to each of <paramref name="own"/>.</summary>
    public AnnounceResponder(WireIdentity identity, DiscoverySession session, RawIcmpv6SenderOptions socketOptions, OwnAddresses own)
    {
        _policy = new ResponderPolicy(session.Time);
        _writer = new AnnounceWriter(identity, session.Time);
        _counters = session.Counters;
        _session = session;
        try
        {
            foreach (var local in own.All)
            {
                try
                {
                    _bound[local] = Privileges.Translate(() => new RawIcmpv6Sender(socketOptions with { SourceAddress = local }));
                }
                catch (IOException e)
                {
                    DiscoveryLog.For(session).Warning("Cannot answer probes to {Address}: {Reason}", Ipv6Address.Format(local), e.Message);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Probes the policy refused to answer (too large, source-limited, globally limited); also in <see cref="DiscoveryCounters.AnnouncesRefused"/>.</summary>
    public long Refused { get; private set; }

    /// <summary>
    /// Sends the announce answering <paramref name="probe"/> from the address it was sent to; false
    /// when that is not one of ours, the policy refused or the send failed.
    /// </summary>
    public bool Answer(in Classification probe)
    {
        if (!_bound.TryGetValue(probe.Destination, out var socket))
            return false;
        if (_policy.Decide(probe.Source, probe.MessageLength, _writer.MessageLength) is var verdict and not ResponderVerdict.Answer)
        {
            // Counted every time, said once: a flood of spoofed probes must not become a flood of log lines.
            if (Refused++ == 0)
                DiscoveryLog.For(_session).Warning(
                    "A probe from {Source} was not answered ({Verdict}): the responder answers at most {PerSecond} probes a second, {PerSource} a second per source /64, never with more bytes than the probe; the rest are counted (the summary's AnnouncesRefused)",
                    Ipv6Address.Format(probe.Source), verdict, _policy.Limits.PerSecond, _policy.Limits.PerSourcePerSecond);
            _counters.AddAnnouncesRefused(1);
            return false;
        }

        var writer = new AnnounceMessageWriter(_writer, probe);
        var source = probe.Source;
        var result = socket.SendBatch(new ReadOnlySpan<UInt128>(in source), ref writer);
        if (result.Sent == 1)
            _counters.AddAnnouncesSent(1);
        return result.Sent == 1;
    }

    public void Dispose()
    {
        foreach (var socket in _bound.Values)
            socket.Dispose();
    }

    private readonly struct AnnounceMessageWriter(AnnounceWriter writer, Classification probe) : IIcmpv6MessageWriter
    {
        public int Write(UInt128 destination, Span<byte> message) => writer.WriteReply(message, probe);
    }
}
