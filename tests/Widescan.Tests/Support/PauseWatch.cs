namespace Widescan.Tests.Support;

/// <summary>
/// Tells the machine being held off from the code under test falling behind. Two threads that do
/// nothing but sleep a millisecond at a time record every gap longer than the threshold: when the
/// whole virtual machine (or this process) is paused, one of them sees it too, whereas a sender that
/// lags on its own leaves them undisturbed. Two threads, since the scheduler places them on either
/// core of this 2-core machine, so a pause of either core is seen. Times are wall-clock
/// (<see cref="DateTimeOffset.UtcNow"/>), the clock pcap timestamps use, so gaps on the wire and
/// pauses here compare directly.
/// </summary>
internal sealed class PauseWatch : IDisposable
{
    private readonly TimeSpan _threshold;
    private readonly List<(DateTimeOffset Start, DateTimeOffset End)> _pauses = [];
    private readonly Thread[] _threads;
    private volatile bool _stopping;

    private PauseWatch(TimeSpan threshold, int threads)
    {
        _threshold = threshold;
        _threads = [.. Enumerable.Range(0, threads).Select(i => new Thread(Watch) { IsBackground = true, Name = $"pause-watch-{i}", Priority = ThreadPriority.AboveNormal })];
        foreach (var thread in _threads)
            thread.Start();
    }

    /// <summary>Starts watching for pauses longer than <paramref name="threshold"/>.</summary>
    public static PauseWatch Start(TimeSpan threshold) => new(threshold, threads: 2);

    /// <summary>The pauses seen so far, by any watching thread (they may overlap).</summary>
    public IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)> Pauses
    {
        get
        {
            lock (_pauses)
                return [.. _pauses];
        }
    }

    /// <summary>How much of [<paramref name="start"/>, <paramref name="end"/>] some pause covers.</summary>
    public TimeSpan Covered(DateTimeOffset start, DateTimeOffset end)
    {
        // Merge the pauses that overlap the interval, then sum their clipped lengths.
        var clipped = Pauses
            .Select(p => (Start: p.Start > start ? p.Start : start, End: p.End < end ? p.End : end))
            .Where(p => p.End > p.Start)
            .OrderBy(p => p.Start)
            .ToList();
        var covered = TimeSpan.Zero;
        var reached = start;
        foreach (var (s, e) in clipped)
        {
            var from = s > reached ? s : reached;
            if (e > from)
            {
                covered += e - from;
                reached = e;
            }
        }
        return covered;
    }

    private void Watch()
    {
        var last = DateTimeOffset.UtcNow;
        while (!_stopping)
        {
            Thread.Sleep(1);
            var now = DateTimeOffset.UtcNow;
            if (now - last > _threshold)
            {
                lock (_pauses)
                    _pauses.Add((last, now));
            }
            last = now;
        }
    }

    /// <summary>Stops the watching threads.</summary>
    public void Dispose()
    {
        _stopping = true;
        foreach (var thread in _threads)
            thread.Join();
    }
}
