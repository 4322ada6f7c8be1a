namespace Widescan.Plugin.Generation;

/// <summary>
/// A fixed set of threads that fill one batch together: the batch is cut into parts that the caller
/// and the workers take from a shared counter, so a slow core (the machine is shared) delays nobody.
/// Nothing is allocated per batch: the job lives in fields, the threads wait on a semaphore.
/// </summary>
internal sealed unsafe class FillWorkers : IDisposable
{
    // Below this many targets per part, waking a thread costs more than it saves.
    private const int MinPart = 2048;
    private const int Parked = int.MaxValue / 2;

    private readonly Thread[] threads;
    private readonly SemaphoreSlim wake = new(0);
    private readonly CountdownEvent done = new(1);
    private readonly FillRange fill;

    // The current job: written by the caller before the counter is reset, read by the workers after it.
    private UInt128* target;
    private ulong first;
    private int length;
    private int parts;
    // Parked far past any part count between batches, so that a worker woken late by a stale permit
    // takes nothing from the next batch before the caller has written it.
    private int nextPart = Parked;
    private volatile bool stopping;

    /// <summary>Fills target[0..count) with the targets of sequence numbers first...</summary>
    public delegate void FillRange(ulong first, Span<UInt128> target);

    /// <summary>Starts threads - 1 workers; the caller of <see cref="Run"/> is the last thread.</summary>
    public FillWorkers(int threads, FillRange fill)
    {
        this.fill = fill;
        this.threads = new Thread[Math.Max(0, threads - 1)];
        for (var k = 0; k < this.threads.Length; k++)
        {
            this.threads[k] = new Thread(Loop) { IsBackground = true, Name = $"widescan-fill-{k + 1}" };
            this.threads[k].Start();
        }
    }

    /// <summary>How many threads fill a batch, the caller included.</summary>
    public int Threads => threads.Length + 1;

    /// <summary>Fills the run using every thread; returns when it is complete.</summary>
    public void Run(ulong firstSequence, Span<UInt128> run)
    {
        var partCount = Math.Min(Threads * 4, run.Length / MinPart);
        if (partCount <= 1 || threads.Length == 0)
        {
            fill(firstSequence, run);
            return;
        }

        fixed (UInt128* pointer = run)
        {
            target = pointer;
            first = firstSequence;
            length = run.Length;
            parts = partCount;
            done.Reset(partCount);
            Interlocked.Exchange(ref nextPart, 0);
            wake.Release(threads.Length);
            TakeParts();
            done.Wait();
            Interlocked.Exchange(ref nextPart, Parked);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        stopping = true;
        if (threads.Length > 0)
            wake.Release(threads.Length);
        foreach (var thread in threads)
            thread.Join();
        wake.Dispose();
        done.Dispose();
    }

    private void Loop()
    {
        while (true)
        {
            wake.Wait();
            if (stopping)
                return;
            TakeParts();
        }
    }

    private void TakeParts()
    {
        int part;
        while ((part = Interlocked.Increment(ref nextPart) - 1) < parts)
        {
            var start = (int)((long)length * part / parts);
            var end = (int)((long)length * (part + 1) / parts);
            fill(first + (ulong)start, new Span<UInt128>(target + start, end - start));
            done.Signal();
        }
    }
}
