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
    /// <param name="commandOutput">The command's output writer: the console's, or a test's.</param>
    /// <param name="live">Whether to flush after every record.</param>
    public static Stream Open(FileInfo? file, TextWriter commandOutput, out bool live)
    {
        if (file is not null)
        {
            var stream = new FileStream(file.FullName, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
            live = !stream.CanSeek;
            return stream;
        }

        if (!ReferenceEquals(commandOutput, Console.Out))
        {
            // An in-process host (the tests) gave its own writer: results go there, as they come.
            live = true;
            return new TextWriterStream(commandOutput);
        }

        var stdout = OpenStandardOutput();
        live = !stdout.CanSeek;
        return stdout;
    }

    private static Stream OpenStandardOutput()
    {
        // Console.OpenStandardOutput never seeks, whatever fd 1 is; a FileStream over fd 1 tells a
        // redirection to a regular file (seekable: batch the flushes) from a terminal or pipe.
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                return new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                // fd 1 closed or not writable: fall back to the console's stream, which reports its own errors.
            }
        }

        return Console.OpenStandardOutput();
    }
}
