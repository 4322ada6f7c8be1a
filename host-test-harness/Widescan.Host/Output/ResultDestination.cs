using Microsoft.Win32.SafeHandles;

namespace Widescan.Host.Output;

/// <summary>Opens where results go (<c>--output FILE</c>, else standard output) and says whether it is live.</summary>
internal static class ResultDestination
{
    /// <summary>
    /// The stream for the results. <paramref name="live"/> is true for a terminal, a pipe or a FIFO (a
    /// stream that cannot seek): a reader there wants each record as it happens.
    /// </summary>
    /// <param name="file">--output, or null for standard output.</param>
    /// <param name="append">Append to the file (a resumed scan adds to the results of the runs before it).</param>
    /// <param name="commandOutput">The command's output writer: the console's, or a test's.</param>
    /// <param name="live">Whether to flush after every record.</param>
    public static Stream Open(FileInfo? file, bool append, TextWriter commandOutput, out bool live)
    {
        if (file is not null)
        {
            // A resume appends: a record the last run left half-written is cut off first.
            if (append && file.Exists && TornTail.Repair(file.FullName) is > 0 and var torn)
                Serilog.Log.Warning("Repaired {Path}: removed a half-written last line ({Bytes} bytes) left by the run before", file.FullName, torn);
            var stream = new FileStream(file.FullName, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
            live = !stream.CanSeek;
            return stream;
        }

        if (!ReferenceEquals(commandOutput, Console.Out))
        {
            // An in-process host (the tests) gave its own writer: results go there, as they come.
            live = true;
            return new TextWriterStream(commandOutput);
        }

        live = !IsRegularFile(1);
        if (live && !Console.IsOutputRedirected)
            return Console.OpenStandardOutput();

        // A pipe or FIFO: written through write(2) on fd 1 itself, because the console's stream
        // ignores EPIPE, and a reader that went away must stop the run, not swallow its results.
        // A regular file keeps the console's stream (see IsRegularFile).
        return live ? new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0) : Console.OpenStandardOutput();
    }

    private static bool IsRegularFile(int fd)
    {
        // Console.OpenStandardOutput never seeks, whatever fd 1 is; a FileStream over the descriptor
        // tells a redirection to a file (seekable: batch the flushes) from a terminal or a pipe. It is
        // only asked, not written through: it would pwrite at its own offset, over what stderr writes
        // to the same file under `> out 2>&1`, where the console stream's write(2) shares the offset.
        if (OperatingSystem.IsWindows())
            return false;
        try
        {
            using var probe = new FileStream(new SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            return probe.CanSeek;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            // Closed or not writable: the console's stream will report that when written to.
            return false;
        }
    }
}
