using System.IO.Compression;
using System.Security.Cryptography;

namespace Widescan.Hosting.Plugins;

/// <summary>
/// Unpacks a plugin zip (such as Widescan.Plugin.zip, which holds Widescan.Plugin/...) into a cache
/// directory that then serves as a plugins directory. The cache is keyed by the zip's SHA-256, so a
/// restart with the same zip reuses it and a new zip never mixes with an old one. Never throws for a
/// bad zip: it says why in a <see cref="PluginProblem"/>.
/// </summary>
public static class PluginArchive
{
    /// <summary>The cache used when none is given: widescan-plugins under the temporary directory.</summary>
    public static string DefaultCacheDirectory => Path.Combine(Path.GetTempPath(), "widescan-plugins");

    /// <summary>
    /// Unpacks the zip under <paramref name="cacheDirectory"/> (or <see cref="DefaultCacheDirectory"/>).
    /// An entry whose path is absolute or leaves the directory (..), or that is a symbolic link, refuses
    /// the whole zip; files are written only into a directory this call created, never through a link.
    /// </summary>
    /// <returns>The plugins directory, or null with the problems that stopped it.</returns>
    public static (string? Directory, IReadOnlyList<PluginProblem> Problems) Extract(string zipPath, string? cacheDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(zipPath);
        zipPath = Path.GetFullPath(zipPath);
        var folder = Path.GetDirectoryName(zipPath) ?? "";
        var file = Path.GetFileName(zipPath);
        var cache = Path.GetFullPath(cacheDirectory ?? DefaultCacheDirectory);
        string? staging = null;
        try
        {
            var target = Path.Combine(cache, Path.GetFileNameWithoutExtension(zipPath) + "-" + Hash(zipPath));
            if (Directory.Exists(target))
                return (target, []);

            Directory.CreateDirectory(cache);
            // A fresh, unguessable directory of this call's own: nothing in it can be a link planted before.
            staging = Path.Combine(cache, ".unpacking-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(staging);
            using (var archive = ZipFile.OpenRead(zipPath))
            {
                var refused = Refusals(archive, staging);
                if (refused.Count > 0)
                    return (null, [.. refused.Select(r => new PluginProblem(folder, file, r))]);
                foreach (var entry in archive.Entries)
                    Write(entry, staging);
            }

            try
            {
                Directory.Move(staging, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another host unpacked the same zip meanwhile: its copy is identical.
                Directory.Delete(staging, recursive: true);
            }

            staging = null;
            return (target, []);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return (null, [new PluginProblem(folder, file, e is InvalidDataException
                ? $"not a valid zip ({e.Message}): download or pack the plugin zip again"
                : $"could not be unpacked into {cache} ({e.Message})")]);
        }
        finally
        {
            if (staging is not null && Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Every entry that must not be written, each with why; all of them, before anything is written.</summary>
    private static List<string> Refusals(ZipArchive archive, string root)
    {
        var refusals = new List<string>();
        foreach (var entry in archive.Entries)
        {
            // Unix mode in the high half of the external attributes: S_IFLNK is 0xA000.
            if (((entry.ExternalAttributes >> 16) & 0xF000) == 0xA000)
                refusals.Add($"entry {entry.FullName} is a symbolic link: a plugin zip holds plain files only");
            else if (Destination(entry, root) is null)
                refusals.Add($"entry {entry.FullName} would be written outside the plugins directory: the zip is damaged or hostile");
        }

        return refusals;
    }

    private static void Write(ZipArchiveEntry entry, string root)
    {
        var destination = Destination(entry, root)!;
        if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
        {
            Directory.CreateDirectory(destination);
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        entry.ExtractToFile(destination, overwrite: false);
    }

    /// <summary>The entry's path under the root, or null when it is rooted or leaves the root.</summary>
    private static string? Destination(ZipArchiveEntry entry, string root)
    {
        var name = entry.FullName.Replace('\\', '/');
        if (name.Length == 0 || Path.IsPathRooted(name) || name.Contains('\0', StringComparison.Ordinal))
            return null;
        var full = Path.GetFullPath(Path.Combine(root, name));
        var prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return full.StartsWith(prefix, StringComparison.Ordinal) || full + Path.DirectorySeparatorChar == prefix ? full : null;
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..16];
    }
}
