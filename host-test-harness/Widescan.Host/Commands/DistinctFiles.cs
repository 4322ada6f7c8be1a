using Widescan.Host.Output;

namespace Widescan.Host.Commands;

/// <summary>
/// Refuses one file under two roles where one of them writes it (<c>--state F --output F</c> lost
/// every result): by device and inode, so a symbolic or hard link to the same file is caught too,
/// and by directory and name for a file not made yet. Devices, FIFOs and terminals may be shared
/// (<c>--output /dev/null --log-file /dev/null</c>): only regular files lose data this way.
/// </summary>
internal static class DistinctFiles
{
    /// <summary>One file flag: its name, the file, and whether the command writes it.</summary>
    public readonly record struct Role(string Flag, FileInfo? File, bool Writes);

    /// <summary>Adds one error per pair of roles that name the same regular file and of which one writes it.</summary>
    public static void Check(List<string> errors, params Role[] roles)
    {
        var keys = roles.Select(r => r.File is null ? null : Key(r.File)).ToArray();
        for (var i = 0; i < roles.Length; i++)
        {
            for (var j = i + 1; j < roles.Length; j++)
            {
                if (keys[i] is not { } a || keys[j] is not { } b || a != b || !(roles[i].Writes || roles[j].Writes))
                    continue;
                var how = roles[i].File!.FullName == roles[j].File!.FullName ? "" : $" (also reached as {roles[j].File!.FullName})";
                errors.Add($"{roles[i].Flag} and {roles[j].Flag} name the same file, {roles[i].File!.FullName}{how}: " +
                    $"{Why(roles[i].Flag, roles[j].Flag)}; give each its own file");
            }
        }
    }

    private static string Why(string a, string b) => (a, b) switch
    {
        _ when a == "--state" || b == "--state" => "the saved state would overwrite what the other holds, and a resume would read garbage",
        _ when a == "--output" && b == "--log-file" || a == "--log-file" && b == "--output" => "log lines would be mixed into the results",
        _ => "writing one would destroy the other",
    };

    /// <summary>Device and inode of an existing regular file; the directory's and the name for one not made yet; null otherwise.</summary>
    private static (ulong Device, ulong Inode, string? Name)? Key(FileInfo file)
    {
        if (FileIdentity.Of(file.FullName) is { } identity)
            return identity.IsRegular ? (identity.Device, identity.Inode, null) : null;

        // Not there (or a dangling link): where it will be made, seen through links to its directory.
        var path = file.FullName;
        if (FileIdentity.Of(path, followLinks: false) is { IsSymlink: true } && file.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            path = target.FullName;
        var directory = Path.GetDirectoryName(path);
        return directory is not null && FileIdentity.Of(directory) is { } parent ? (parent.Device, parent.Inode, Path.GetFileName(path)) : null;
    }
}
