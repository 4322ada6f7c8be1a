namespace Widescan.Plugin.Discovery;

/// <summary>A sender whose rate the run's pacing can lower and raise while it sends (never above the options' rate).</summary>
internal interface IRateLimited
{
    /// <summary>Sends at most this many probes per second from now on.</summary>
    void LimitRate(double probesPerSecond);
}
