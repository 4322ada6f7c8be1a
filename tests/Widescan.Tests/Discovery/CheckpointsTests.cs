using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Discovery;

/// <summary>Which cursor may be saved: only one whose answers have arrived, been read and been released by the grace.</summary>
public class CheckpointsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    [Test]
    public void ACursorIsDueOnlyAfterMarginAndGraceWithAListenerCaughtUp()
    {
        var checkpoints = new Checkpoints(Grace, Margin);
        // Every 100 ms the cursor moves by 500, and the listener is caught up to the moment.
        for (var ms = 0; ms <= 5000; ms += 100)
        {
            var now = T0.AddMilliseconds(ms);
            checkpoints.Record(now, (ulong)ms * 5, now);
        }

        // At 5 s: a sample at time t is safe when a sample caught up to t + 1 s is itself 1 s old, so t <= 3 s.
        Assert.That(checkpoints.Due(T0.AddSeconds(5)), Is.EqualTo(15_000UL));
        Assert.That(checkpoints.Due(T0.AddSeconds(5)), Is.Null, "the same cursor is not given twice");
    }

    [Test]
    public void AListenerThatLagsHoldsTheCursorBack()
    {
        var checkpoints = new Checkpoints(Grace, Margin);
        for (var ms = 0; ms <= 5000; ms += 100)
        {
            var now = T0.AddMilliseconds(ms);
            checkpoints.Record(now, (ulong)ms * 5, T0.AddMilliseconds(Math.Max(0, ms - 3000))); // the capture is 3 s behind
        }

        // Caught up to at most 1 s at a sample old enough (4 s): only the sample at 0 s is covered.
        Assert.That(checkpoints.Due(T0.AddSeconds(5)), Is.Null, "the start cursor (0) is not a new checkpoint");
    }

    [Test]
    public void NothingIsDueBeforeTheSettleTime()
    {
        var checkpoints = new Checkpoints(Grace, Margin, start: 100);
        checkpoints.Record(T0, 200, T0);
        checkpoints.Record(T0.AddSeconds(1), 300, T0.AddSeconds(1));
        Assert.That(checkpoints.Due(T0.AddSeconds(1.5)), Is.Null, "the sample caught up past the first one's answers is not a grace old yet");
        Assert.That(checkpoints.Due(T0.AddSeconds(2)), Is.EqualTo(200UL));
    }
}
