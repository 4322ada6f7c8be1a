namespace Widescan.Tests;

/// <summary>The temporary files a whole-file write leaves beside its target (<c>NAME.tmp</c> or <c>NAME.RANDOM.tmp</c>).</summary>
internal static class TemporaryFiles
{
    /// <summary>Every <c>NAME*.tmp</c> in the directory of <paramref name="path"/>.</summary>
    public static string[] Beside(string path) =>
        Directory.GetFiles(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileName(path) + ".*tmp");
}
