namespace Widescan.Host.Output;

/// <summary>
/// Repairs a result file that a crash or a full disk left with a half-written last line: every
/// record ends with a newline, so whatever follows the last newline is a torn record and is cut off
/// before a resume appends to the file (else the next record would be glued to it).
/// </summary>
internal static class TornTail
{
    private const int Chunk = 64 * 1024;

    /// <summary>Bytes removed from the end of <paramref name="path"/> (0 when it ends cleanly, is empty, or is not a regular file).</summary>
    public static long Repair(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0)
            return 0;
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        return Repair(file);
    }

    /// <summary>The same on an open file (it must be readable and seekable; else nothing is done).</summary>
    public static long Repair(FileStream file)
    {
        if (!file.CanSeek || !file.CanRead || file.Length == 0)
            return 0;
        var length = file.Length;
        var buffer = new byte[(int)Math.Min(Chunk, length)];
        var end = length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            var count = (int)(end - start);
            file.Position = start;
            file.ReadExactly(buffer, 0, count);
            var newline = buffer.AsSpan(0, count).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                var keep = start + newline + 1;
                if (keep == length)
                    return 0;
                file.SetLength(keep);
                file.Flush(flushToDisk: true);
                return length - keep;
            }

            end = start;
        }

        // Not one newline: the whole file is one torn record.
        file.SetLength(0);
        file.Flush(flushToDisk: true);
        return length;
    }
}
