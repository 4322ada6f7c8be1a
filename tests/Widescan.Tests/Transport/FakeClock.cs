namespace Widescan.Tests.Transport;

/// <summary>A clock that moves only when told to, in nanosecond ticks.</summary>
internal sealed class FakeClock : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => 1_000_000_000;

    public override long GetTimestamp() => _ticks;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch.AddTicks(_ticks / 100);

    public TimeSpan Now => TimeSpan.FromTicks(_ticks / 100);

    public void Advance(TimeSpan by) => _ticks += by.Ticks * 100;
}
