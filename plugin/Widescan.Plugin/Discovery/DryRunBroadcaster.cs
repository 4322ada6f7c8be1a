using System.Threading.Channels;
using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The dry run's broadcaster (<see cref="WidescanOptions.DryRunPath"/>, zmap's <c>--dryrun</c>): the
/// very send loop of a real run (<see cref="ProbeSender"/>: the pacing, the rounds, the shared probe
/// budget, batches handed back to the module's cursor) over one lane whose "socket" is a pcap file.
/// Each probe is built as the layer-2 path builds it (template, destination, tag, MAC and our own
/// incremental checksum) and written without its Ethernet header, as the IPv6 packet it would be.
/// No socket is opened and nothing is sent, so no CAP_NET_RAW is needed. (unsafe: the file stands in
/// for sendmmsg, whose delegate takes the native message headers.)
/// </summary>
/// <remarks>
/// One lane: the lanes of a real run exist because the kernel answers inside the sender's syscall
/// on a veth; a file has no such cost, and one lane keeps the file in send order.
/// </remarks>
internal sealed unsafe class DryRunBroadcaster : IProbeBroadcaster
{
    /// <inheritdoc />
    public string Name => "dry-run";

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">No source address: none given and the kernel has none towards the first target.</exception>
    /// <exception cref="IOException">The file cannot be made, or its path is not a regular file.</exception>
    public IProbeSender Open(DiscoverySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var options = session.Options;
        var path = options.DryRunPath ?? throw new InvalidOperationException("a dry run needs DryRunPath");
        var source = SourceSelection.ForDryRun(options);
        var probe = ProbeModules.For(options);
        var writer = probe.Prepare(WireIdentity.FromOptions(options), new ValidationTag(session.ScanSecret), source);
        var sink = PcapFileSink.Create(path, WireFormat.EthernetHeaderLength, writer.FrameLength - WireFormat.EthernetHeaderLength, session.Time);
        try
        {
            var lane = new RawIcmpv6Sender(new RawIcmpv6SenderOptions { MaxMessageLength = writer.FrameLength }, sink.Send);
            var sender = new ProbeSender(session, [lane], writer, new LinkAddressing(DestinationMac: 0, SourceMac: 0, source));
            DiscoveryLog.For(session).Information(
                "Dry run: probes from {Source} go to {Path} as IPv6 packets (pcap, LINKTYPE_RAW); nothing is sent and no listener runs, so the run reports 0 replies",
                Ipv6Address.Format(source), sink.Path);
            return new DryRunSender(session, sender, sink);
        }
        catch
        {
            sink.Dispose();
            throw;
        }
    }

    /// <summary>The real send loop, and the file put in place only when the loop ended without an error.</summary>
    private sealed class DryRunSender(DiscoverySession session, ProbeSender sender, PcapFileSink sink) : IProbeSender
    {
        // No LimitRate: nothing listens in a dry run, so there is nothing to pace on.
        public int Lanes => sender.Lanes;

        public long Retries => sender.Retries;

        public string? LastFailure => sender.LastFailure;

        public BroadcastEnd Run(ChannelReader<TargetBatch> targets, ChannelWriter<TargetBatch> completed, CancellationToken cancellationToken)
        {
            // An exception (the file could not be written) leaves the file out of place: Dispose removes it.
            var end = sender.Run(targets, completed, cancellationToken);
            sink.Commit();
            DiscoveryLog.For(session).Information("Dry run: wrote {Probes} probes to {Path}", sink.Records, sink.Path);
            return end;
        }

        public void Dispose()
        {
            sender.Dispose();
            sink.Dispose();
        }
    }
}

/// <summary>
/// The dry run's listener: nothing is sent, so nothing can answer; it opens nothing and reports
/// nothing, and the run's summary counts 0 replies.
/// </summary>
internal sealed class DryRunListener : IDiscoveryListener
{
    /// <inheritdoc />
    public string Name => "none";

    /// <inheritdoc />
    public IListenerRun Start(DiscoverySession session, ChannelWriter<DiscoveryEvent> events) => new Idle();

    private sealed class Idle : IListenerRun
    {
        public string Path => "nothing (a dry run sends nothing, so nothing answers)";

        public void Dispose()
        {
        }
    }
}
