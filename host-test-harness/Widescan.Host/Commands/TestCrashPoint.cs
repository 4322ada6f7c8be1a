using System.Diagnostics;
using System.Globalization;

namespace Widescan.Host.Commands;

/// <summary>
/// The host's side of the crash test seam: with <c>WIDESCAN_TEST_CRASH_AT=POINT:N</c> the process
/// kills itself (SIGKILL) the Nth time it passes POINT. The host's point is <c>flushed</c> (results
/// flushed and fsynced for a checkpoint, state not yet saved); the plugin has the state file's two.
/// </summary>
internal static class TestCrashPoint
{
    private static readonly (string Point, int Count)? Setting = Parse(Environment.GetEnvironmentVariable("WIDESCAN_TEST_CRASH_AT"));
    private static int s_passes;

    public static void At(string point)
    {
        if (Setting is not { } setting || setting.Point != point)
            return;
        if (Interlocked.Increment(ref s_passes) == setting.Count)
            Process.GetCurrentProcess().Kill();
    }

    private static (string, int)? Parse(string? text)
    {
        if (text?.Split(':') is not [var point, var count] || !int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return null;
        return (point, n);
    }
}
