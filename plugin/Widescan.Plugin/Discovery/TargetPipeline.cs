using System.Threading.Channels;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The producer side of a scan: a fixed pool of <see cref="TargetBatch"/>es cycling through three
/// bounded channels, free -> targets (filled by the generator, read by the broadcaster) -> completed
/// (every probe of the batch sent) -> free. The pool bounds memory and gives back-pressure: the
/// generator waits when the broadcaster is behind. Batches may complete out of order (several send
/// lanes): the cursor advances over the oldest issued batches once they are all complete, so a
/// resume never skips a batch still in flight.
/// </summary>
internal sealed class TargetPipeline
{
    private readonly IAddressStream _stream;
    private readonly Channel<TargetBatch> _free;
    private readonly Channel<TargetBatch> _targets;
    private readonly Channel<TargetBatch> _completed;
    private readonly Queue<TargetBatch> _issued = new();
    private readonly HashSet<TargetBatch> _done = new(ReferenceEqualityComparer.Instance);
    private ulong _targetsLeft;
    private ulong _cursor;
    private readonly CellCounter? _cells;
    private readonly int _probesPerTarget;

    /// <summary>
    /// Sizes the pool for the options: batches of ~0.1 s of the rate, enough of them to hold every batch
    /// awaiting a later round. With <paramref name="cells"/>, every completed batch is counted there
    /// (each target got all its probes), whichever broadcaster sent it.
    /// </summary>
    public TargetPipeline(IAddressStream stream, WidescanOptions options, ulong startCursor, int lanes = 1, CellCounter? cells = null)
    {
        _stream = stream;
        _cells = cells;
        _probesPerTarget = options.ProbesPerTarget;
        BatchSize = (int)Math.Clamp(options.Rate / 10L, 256, 65_536);
        var waiting = options.Rate * options.ProbeInterval.TotalSeconds * (options.ProbesPerTarget - 1) / BatchSize;
        PoolSize = (int)Math.Clamp(4 + (2 * lanes) + Math.Ceiling(waiting), 4, 4096);
        _free = Channel.CreateBounded<TargetBatch>(PoolSize);
        _targets = Channel.CreateBounded<TargetBatch>(new BoundedChannelOptions(PoolSize) { SingleReader = lanes == 1, SingleWriter = true });
        _completed = Channel.CreateBounded<TargetBatch>(new BoundedChannelOptions(PoolSize) { SingleReader = true, SingleWriter = lanes == 1 });
        for (var i = 0; i < PoolSize; i++)
            _free.Writer.TryWrite(new TargetBatch(BatchSize));

        // The cap counts probes; generating past it would only fill batches that are never sent.
        var probes = (ulong)options.ProbesPerTarget;
        _targetsLeft = (options.MaxProbes / probes) + (options.MaxProbes % probes == 0 ? 0UL : 1UL);
        _cursor = startCursor;
    }

    /// <summary>Targets per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Batches in the pool.</summary>
    public int PoolSize { get; }

    /// <summary>The broadcaster's input.</summary>
    public ChannelReader<TargetBatch> Targets => _targets.Reader;

    /// <summary>Where the broadcaster hands back finished batches.</summary>
    public ChannelWriter<TargetBatch> Completed => _completed.Writer;

    /// <summary>The resume cursor: every position before it got all its probes.</summary>
    public ulong Cursor => Interlocked.Read(ref _cursor);

    /// <summary>The shard's positions in all.</summary>
    public ulong Positions => _stream.Positions;

    /// <summary>Fills batches from the generator until it ends, the cap's targets are out, or cancellation. Runs on its own thread.</summary>
    public void Produce(CancellationToken cancellationToken)
    {
        try
        {
            while (_targetsLeft > 0)
            {
                var batch = _free.Reader.ReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult();
                var want = (int)Math.Min((ulong)batch.Buffer.Length, _targetsLeft);
                var n = _stream.Fill(batch.Buffer.AsSpan(0, want));
                if (n == 0)
                    break;
                batch.Count = n;
                batch.CursorAfter = _stream.Cursor;
                _targetsLeft -= (ulong)n;
                lock (_issued)
                    _issued.Enqueue(batch);
                _targets.Writer.WriteAsync(batch, cancellationToken).AsTask().GetAwaiter().GetResult();
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _targets.Writer.TryComplete();
        }
    }

    /// <summary>Takes completed batches back into the pool and advances the cursor until the broadcaster is done.</summary>
    public async Task RecycleAsync()
    {
        await foreach (var batch in _completed.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            _cells?.CountProbes(batch.Targets, _probesPerTarget);
            _done.Add(batch);
            lock (_issued)
            {
                while (_issued.TryPeek(out var oldest) && _done.Remove(oldest))
                {
                    _issued.Dequeue();
                    Interlocked.Exchange(ref _cursor, oldest.CursorAfter);
                    _free.Writer.TryWrite(oldest);
                }
            }
        }
    }

    /// <summary>Ends <see cref="RecycleAsync"/> once the broadcaster has stopped.</summary>
    public void CompleteRecycling() => _completed.Writer.TryComplete();
}
