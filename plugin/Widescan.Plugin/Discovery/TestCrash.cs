using System.Diagnostics;
using System.Globalization;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// A test seam: with <c>WIDESCAN_TEST_CRASH_AT=POINT:N</c> in the environment the process kills
/// itself (SIGKILL, as a crash would) the Nth time it passes POINT, so tests can prove that every
/// point of a checkpoint leaves a usable state. The points here are the state file's
/// (<c>state-written</c>: the temporary file on disk, not yet renamed; <c>state-renamed</c>); a
/// host adds its own (the CLI's <c>flushed</c>, compiled into it from this same file). Read once; unset, it costs a null check.
/// </summary>
internal static class TestCrash
{
    private static readonly (string Point, int Count)? Setting = Parse(Environment.GetEnvironmentVariable("WIDESCAN_TEST_CRASH_AT"));
    private static int s_passes;

    /// <summary>Kills the process when the setting names this point and this is its Nth pass.</summary>
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
