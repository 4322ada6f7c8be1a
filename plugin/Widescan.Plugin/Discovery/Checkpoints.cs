namespace Widescan.Plugin.Discovery;

/// <summary>
/// Chooses the cursors that may be saved: one whose every result has been written out. Every
/// <see cref="SampleEvery"/> the pump records the pipeline's cursor and how far the listener has
/// caught up. The cursor of sample s is safe once some later sample w shows the listener caught up
/// past s's time plus <see cref="Margin"/> (the answers to s's batches, all sent by s's time,
/// have arrived and been classified), and w is older than the grace (the results held by the live
/// host grace since have been released, so the pump has emitted them before the checkpoint), and no
/// live host still held for an alias verdict (<see cref="AliasDetector"/>) was heard before w: its
/// result may belong to s's batches, and a cursor must never pass a result not yet written.
/// Memory: a bounded queue of samples. Not thread-safe: the pump owns it.
/// </summary>
internal sealed class Checkpoints(TimeSpan grace, TimeSpan margin, ulong start = 0)
{
    /// <summary>How often a sample is kept; finer would only grow the queue.</summary>
    public static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>Samples kept at most (100 s of them); past it the oldest go, which only makes checkpoints later.</summary>
    public const int MaxSamples = 1024;

    private readonly List<Sample> _samples = [];
    private ulong _given = start;

    /// <summary>The longest an answer may take to arrive after its batch was sent and still be covered by a checkpoint.</summary>
    public TimeSpan Margin { get; } = margin;

    /// <summary>How long results are held before they are written (the live host grace).</summary>
    public TimeSpan Grace { get; } = grace;

    /// <summary>Records the state of the moment; at most one sample per <see cref="SampleEvery"/>.</summary>
    /// <param name="now">The time of the sample.</param>
    /// <param name="cursor">The pipeline's cursor: every batch before it was sent in full.</param>
    /// <param name="caughtUpTo">Every frame that arrived before it has had its events written (taken before the pump read them).</param>
    public void Record(DateTimeOffset now, ulong cursor, DateTimeOffset caughtUpTo)
    {
        if (_samples.Count > 0 && now - _samples[^1].Time < SampleEvery)
            return;
        if (_samples.Count == MaxSamples)
            _samples.RemoveAt(0);
        _samples.Add(new Sample(now, cursor, caughtUpTo));
    }

    /// <summary>The newest safe cursor beyond the last one given, or null; once given, older samples are dropped.</summary>
    /// <param name="now">The time of the question.</param>
    /// <param name="heldSince">
    /// When the oldest result still held back past the grace was heard (the trigger of the oldest open
    /// alias test), or null when none is: no sample taken after it can vouch for a cursor.
    /// </param>
    public ulong? Due(DateTimeOffset now, DateTimeOffset? heldSince = null)
    {
        var best = -1;
        var w = 0;
        for (var s = 0; s < _samples.Count; s++)
        {
            // The first sample caught up past s's answers; it only moves forward as s does.
            var needed = _samples[s].Time + Margin;
            if (w < s)
                w = s;
            while (w < _samples.Count && _samples[w].CaughtUpTo < needed)
                w++;
            if (w == _samples.Count || _samples[w].Time + Grace > now || heldSince < _samples[w].Time)
                break;
            best = s;
        }

        if (best < 0 || _samples[best].Cursor <= _given)
            return null;
        _given = _samples[best].Cursor;
        _samples.RemoveRange(0, best);
        return _given;
    }

    private readonly record struct Sample(DateTimeOffset Time, ulong Cursor, DateTimeOffset CaughtUpTo);
}
