namespace Widescan.Tests.Probing;

/// <summary>A clock the test moves by hand: rate and window logic is tested without sleeping.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; private set; } = start;

    /// <summary>A clock at a wire timestamp (Unix microseconds).</summary>
    public static ManualClock At(ulong unixUs) => new(DateTimeOffset.UnixEpoch.AddTicks((long)unixUs * TimeSpan.TicksPerMicrosecond));

    public override DateTimeOffset GetUtcNow() => Now;

    public override long GetTimestamp() => Now.UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => Now += by;
}
