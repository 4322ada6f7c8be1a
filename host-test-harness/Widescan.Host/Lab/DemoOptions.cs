namespace Widescan.Host.Lab;

/// <summary>The demo's settings, from its command line.</summary>
/// <param name="Hosts">Plain hosts in the scanned prefix.</param>
/// <param name="Peers">Widescan peers, each a listener in its own namespace.</param>
/// <param name="Rate">The scan's probes per second.</param>
/// <param name="Keep">Leave the lab (and the output files) up for inspection.</param>
/// <param name="PluginsDirectory">Passed on to every child, so they load the plugins this process loads.</param>
internal sealed record DemoOptions(int Hosts, int Peers, int Rate, bool Keep, string PluginsDirectory)
{
    /// <summary>The scan's cooldown: replies to the last probes arrive within milliseconds in the lab.</summary>
    public const int CooldownSeconds = 2;

    /// <summary>How long the scan should take, startup aside.</summary>
    public TimeSpan ExpectedScan => TimeSpan.FromSeconds((double)DemoLab.ScanPrefix.Size / Rate + CooldownSeconds);

    /// <summary>When the scan is stopped: twice the expected time plus the start of a .NET process on a busy machine.</summary>
    public TimeSpan ScanLimit => ExpectedScan * 2 + TimeSpan.FromSeconds(20);

    /// <summary>The listeners' own bound: they outlive the scan, and are interrupted as soon as it ends.</summary>
    public int ListenSeconds => (int)Math.Ceiling(ScanLimit.TotalSeconds) + 15;
}
