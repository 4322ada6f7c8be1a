using System.Composition;
using Widescan.Contracts;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The "raw" broadcaster: probes through a raw ICMPv6 socket, batched with sendmmsg (the kernel fills
/// in the checksum, routing and neighbour discovery). FACTS: 121k pps with replies on the lab veth
/// for one thread; from <see cref="ParallelRate"/> up it sends on one lane per core (at most 4).
/// </summary>
[Export(typeof(IProbeBroadcaster))]
[ExportMetadata("Name", "raw")]
[ExportMetadata("Kind", PartKinds.Broadcaster)]
[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]
internal sealed class RawProbeBroadcaster : IProbeBroadcaster
{
    /// <summary>The rate from which one thread is not enough: below it a single lane keeps the pacing simple.</summary>
    public const int ParallelRate = 50_000;

    /// <inheritdoc />
    public string Name => "raw";

    /// <inheritdoc />
    public IProbeSender Open(DiscoverySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var options = session.Options;
        // Bound to its source, so the address a keyed probe's MAC covers is the one the kernel sends from.
        var source = SourceSelection.ForRun(options);
        var writer = ProbeModules.For(options).Prepare(WireIdentity.FromOptions(options), new ValidationTag(session.ScanSecret), source ?? UInt128.Zero);
        var sockets = OpenLanes(options, () => new RawIcmpv6Sender(new RawIcmpv6SenderOptions
        {
            MaxMessageLength = writer.MessageLength,
            InterfaceName = options.Interface,
            SourceAddress = source,
            SendBufferBytes = 4 << 20,
        }));
        return new ProbeSender(session, sockets, writer);
    }

    /// <summary>
    /// Opens one socket per send lane (one lane, or one per core up to 4 from <see cref="ParallelRate"/>)
    /// on the calling thread; if one fails, those already open are closed.
    /// </summary>
    internal static RawIcmpv6Sender[] OpenLanes(WidescanOptions options, Func<RawIcmpv6Sender> open)
    {
        var lanes = options.Rate >= ParallelRate ? Math.Clamp(Environment.ProcessorCount, 1, 4) : 1;
        var sockets = new List<RawIcmpv6Sender>(lanes);
        try
        {
            for (var i = 0; i < lanes; i++)
                sockets.Add(Privileges.Translate(open));
            return [.. sockets];
        }
        catch
        {
            foreach (var socket in sockets)
                socket.Dispose();
            throw;
        }
    }
}
