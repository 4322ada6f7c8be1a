using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>The bounded channel behind <see cref="IWidescanPeers"/>: written by the runs, read by the host.</summary>
internal sealed partial class WidescanPeers : IWidescanPeers
{
    private readonly Channel<PeerDiscovered>? _channel;
    private readonly ILogger<WidescanPeers> _log;
    private long _dropped;

    public WidescanPeers(IOptions<WidescanHostOptions> options, ILogger<WidescanPeers> log)
    {
        _log = log;
        var capacity = options.Value.PeerBufferCapacity;
        if (capacity > 0)
        {
            // DropWrite would lose peers without a trace; TryWrite lets each one that does not fit be counted.
            _channel = Channel.CreateBounded<PeerDiscovered>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public IAsyncEnumerable<PeerDiscovered> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _channel?.Reader.ReadAllAsync(cancellationToken)
        ?? throw new InvalidOperationException("the peer stream is off (PeerBufferCapacity is 0): register an IWidescanPeerHandler, or give PeerBufferCapacity a size");

    /// <summary>Queues a peer, or counts it when the buffer is full.</summary>
    public void Publish(PeerDiscovered peer)
    {
        if (_channel is null || _channel.Writer.TryWrite(peer))
            return;
        var dropped = Interlocked.Increment(ref _dropped);

        // The first and then every power of two: a reader that never comes does not flood the log.
        if ((dropped & (dropped - 1)) == 0)
            LogDropped(dropped, Ipv6Address.Format(peer.Address));
    }

    /// <summary>Ends the stream (the host stops).</summary>
    public void Complete() => _channel?.Writer.TryComplete();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The peer stream is full: {Dropped} peers not queued so far, the latest {Address} (read IWidescanPeers.ReadAllAsync faster, raise PeerBufferCapacity, or use an IWidescanPeerHandler)")]
    private partial void LogDropped(long dropped, string address);
}
