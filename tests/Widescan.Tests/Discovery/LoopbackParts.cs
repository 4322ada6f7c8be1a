using System.Threading.Channels;
using Widescan.Contracts;

namespace Widescan.Tests.Discovery;

/// <summary>
/// A broadcaster and a listener as another plugin would write them, against the contracts alone (no
/// type of this plugin): the sender puts each probe on an in-memory wire, and the listener answers
/// every probe it reads as a live host would. No socket, no packet.
/// </summary>
internal sealed class LoopbackWire
{
    public Channel<UInt128> Probes { get; } = Channel.CreateUnbounded<UInt128>();
}

/// <summary>The third party's broadcaster: opens a <see cref="LoopbackSender"/>.</summary>
internal sealed class LoopbackBroadcaster(LoopbackWire wire) : IProbeBroadcaster
{
    public string Name => "loopback";

    public LoopbackSender? Opened { get; private set; }

    public IProbeSender Open(DiscoverySession session) => Opened = new LoopbackSender(session, wire);
}

/// <summary>
/// Sends on two lanes; its first probe fails (with a reason it reports); it takes a rate limit and
/// waits for the module's pacing to lower it once before it sends (the listener says it is behind).
/// </summary>
internal sealed class LoopbackSender(DiscoverySession session, LoopbackWire wire) : IProbeSender
{
    public const string Failure = "loopback wire: carrier lost";
    private readonly ManualResetEventSlim _slowed = new();
    private readonly Lock _gate = new();
    private int _failed;

    public int Lanes => 2;

    public string? LastFailure { get; private set; }

    /// <summary>The lowest limit the module asked for.</summary>
    public double LowestLimit { get; private set; } = double.MaxValue;

    public bool LimitRate(double probesPerSecond)
    {
        lock (_gate)
            LowestLimit = Math.Min(LowestLimit, probesPerSecond);
        if (probesPerSecond < session.Options.Rate)
            _slowed.Set();
        return true;
    }

    public BroadcastEnd Run(ChannelReader<TargetBatch> targets, ChannelWriter<TargetBatch> completed, CancellationToken cancellationToken)
    {
        try
        {
            if (!_slowed.Wait(TimeSpan.FromSeconds(10), cancellationToken))
                throw new TimeoutException("the module never lowered the loopback sender's rate, though its listener said it was behind");
            var lanes = Enumerable.Range(0, Lanes).Select(_ => Task.Run(() => Lane(targets, completed, cancellationToken), CancellationToken.None)).ToArray();
            Task.WaitAll(lanes, CancellationToken.None);
            return cancellationToken.IsCancellationRequested ? BroadcastEnd.Cancelled : BroadcastEnd.Done;
        }
        catch (OperationCanceledException)
        {
            return BroadcastEnd.Cancelled;
        }
    }

    private async Task Lane(ChannelReader<TargetBatch> targets, ChannelWriter<TargetBatch> completed, CancellationToken cancellationToken)
    {
        try
        {
            while (await targets.WaitToReadAsync(cancellationToken))
            {
                while (targets.TryRead(out var batch))
                {
                    foreach (var target in batch.Targets)
                    {
                        if (Interlocked.Exchange(ref _failed, 1) == 0)
                        {
                            LastFailure = Failure;
                            session.Counters.AddSendFailures(1);
                            continue;
                        }

                        wire.Probes.Writer.TryWrite(target);
                        session.Counters.AddProbesSent(1);
                    }

                    await completed.WriteAsync(batch, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose() => _slowed.Dispose();
}

/// <summary>The third party's listener: every probe on the wire comes back as a live host, a millisecond later.</summary>
internal sealed class LoopbackListener(LoopbackWire wire) : IDiscoveryListener
{
    public string Name => "loopback";

    public IListenerRun Start(DiscoverySession session, ChannelWriter<DiscoveryEvent> events) => new Running(session, wire, events);

    private sealed class Running : IListenerRun
    {
        private readonly LoopbackWire _wire;
        private readonly Task _reading;

        public Running(DiscoverySession session, LoopbackWire wire, ChannelWriter<DiscoveryEvent> events)
        {
            _wire = wire;
            _reading = Task.Run(async () =>
            {
                await foreach (var address in wire.Probes.Reader.ReadAllAsync())
                {
                    session.Counters.AddPacketsReceived(1);
                    await events.WriteAsync(new HostAlive(session.Time.GetUtcNow(), address, TimeSpan.FromMilliseconds(1)));
                }
            });
        }

        public string Path => "an in-memory loopback wire";

        /// <summary>Always 90% full: the module's pacing must lower the sender's rate.</summary>
        public ReceiveBacklog Backlog => new(QueuedBytes: 900, BufferBytes: 1000, Dropped: 0);

        public void Dispose()
        {
            // Every probe on the wire is answered before Dispose returns; nothing is written after.
            _wire.Probes.Writer.TryComplete();
            _reading.GetAwaiter().GetResult();
        }
    }
}
