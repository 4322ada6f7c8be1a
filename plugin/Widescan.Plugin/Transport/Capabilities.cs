using System.Globalization;

namespace Widescan.Plugin.Transport;

/// <summary>
/// Checks for CAP_NET_RAW before anything tries to send or capture, so a user gets one line that
/// says what to do instead of an errno from deep inside the send path.
/// </summary>
internal static class Capabilities
{
    /// <summary>Bit number of CAP_NET_RAW in the capability sets (linux/capability.h).</summary>
    public const int CapNetRaw = 13;

    private const string StatusPath = "/proc/self/status";

    /// <summary>
    /// Reads the effective capability set from the text of /proc/PID/status. Returns null when the
    /// text has no parseable CapEff line (not Linux, or a format this code does not know).
    /// </summary>
    public static ulong? ParseEffective(string procStatus)
    {
        ArgumentNullException.ThrowIfNull(procStatus);
        foreach (var line in procStatus.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("CapEff:", StringComparison.Ordinal))
                continue;
            var hex = line["CapEff:".Length..].Trim();
            return ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var set)
                ? set
                : null;
        }

        return null;
    }

    /// <summary>
    /// True or false from the text of /proc/PID/status; null when it cannot be told (the caller then
    /// learns the answer from the socket call itself, which maps EPERM to the same error).
    /// </summary>
    public static bool? HasNetRaw(string procStatus) =>
        ParseEffective(procStatus) is { } set ? (set & (1UL << CapNetRaw)) != 0 : null;

    /// <summary>Whether this process holds CAP_NET_RAW; null when /proc cannot tell.</summary>
    public static bool? ProcessHasNetRaw()
    {
        try
        {
            return HasNetRaw(File.ReadAllText(StatusPath));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Throws <see cref="MissingCapabilityException"/> when the status text shows no CAP_NET_RAW.</summary>
    public static void EnsureNetRaw(string procStatus)
    {
        if (HasNetRaw(procStatus) == false)
            throw new MissingCapabilityException();
    }

    /// <summary>Throws <see cref="MissingCapabilityException"/> when this process lacks CAP_NET_RAW.</summary>
    public static void EnsureNetRaw()
    {
        if (ProcessHasNetRaw() == false)
            throw new MissingCapabilityException();
    }
}
