using System.Text.RegularExpressions;

namespace Widescan.Host.Lab;

/// <summary>
/// Names of the demo lab's namespaces: <c>wsd-PID-N-ROLE</c>, so the leftovers of a run that was
/// killed (SIGKILL leaves no chance to tear down) are recognisable and removable once PID is gone.
/// </summary>
internal static partial class LabNames
{
    /// <summary>What every namespace of the demo lab starts with.</summary>
    public const string Prefix = "wsd-";

    private static int s_counter;

    /// <summary>A fresh stem <c>wsd-PID-N</c> for one lab of this process.</summary>
    public static string NewStem() => $"{Prefix}{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";

    /// <summary>The namespaces named by this scheme, with the PID each carries.</summary>
    public static IEnumerable<(string Name, int Pid)> List()
    {
        foreach (var line in LabCommands.Run("ip", ["netns", "list"]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = LabName().Match(line);
            if (match.Success)
                yield return (match.Value, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Deletes the namespaces of processes that have gone; returns their names.</summary>
    public static IReadOnlyList<string> RemoveStale()
    {
        var removed = new List<string>();
        foreach (var (name, pid) in List().ToList())
        {
            if (!Directory.Exists($"/proc/{pid}") && LabCommands.TryRun("ip", ["netns", "del", name]))
                removed.Add(name);
        }

        return removed;
    }

    // `ip netns list` prints "NAME" or "NAME (id: N)".
    [GeneratedRegex(@"^wsd-(\d+)-[A-Za-z0-9-]+")]
    private static partial Regex LabName();
}
