using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Targets;

/// <summary>
/// Opens a file that must be a regular file (a symbolic link to one is followed): a list that is read
/// twice, to count and then to load, cannot be a pipe (<c>&lt;(cmd)</c> would be empty the second
/// time), a FIFO (the second open waits for a writer), a device (<c>/dev/zero</c> never ends) or a
/// directory. Refused before it is opened, by its type, and checked again on the open handle.
/// </summary>
internal static unsafe partial class RegularFile
{
    private const int AtCurrentDirectory = -100; // AT_FDCWD
    private const int AtEmptyPath = 0x1000; // AT_EMPTY_PATH: stat the descriptor itself
    private const uint StatxType = 0x1; // STATX_TYPE
    private const int FileTypeMask = 0xF000; // S_IFMT
    private const int Regular = 0x8000; // S_IFREG

    /// <summary>Opens the file for reading, or returns null with why not ("PATH: no such file", "PATH is a pipe or FIFO, ...").</summary>
    /// <param name="path">The path, as given.</param>
    /// <param name="label">What messages put before the path (the option's name).</param>
    /// <param name="why">The reason, a sentence that names the file and the fix.</param>
    public static FileStream? Open(string path, string label, out string? why)
    {
        why = null;
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            // No file has such a name (and a C string would end at the NUL, naming another file).
            why = $"{label} '{Contracts.InputText.Excerpt(path)}' is not a usable path (empty, or holding a NUL character)";
            return null;
        }

        if (OperatingSystem.IsLinux())
        {
            // Before opening: opening a FIFO would wait for a writer.
            if (TypeOf(AtCurrentDirectory, path, 0, out var errno) is not { } type)
            {
                why = OpenError(path, label, errno);
                return null;
            }

            if (type != Regular)
            {
                why = NotRegular(path, label, type);
                return null;
            }
        }
        else if (Directory.Exists(path))
        {
            why = NotRegular(path, label, 0x4000);
            return null;
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            why = $"{label} {path}: no such file";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            why = $"{label} {path}: {e.Message}";
            return null;
        }

        // After opening: the path may have been replaced in between.
        var fd = (int)stream.SafeFileHandle.DangerousGetHandle();
        var regular = OperatingSystem.IsLinux()
            ? TypeOf(fd, "", AtEmptyPath, out _) == Regular
            : stream.CanSeek;
        if (!regular)
        {
            stream.Dispose();
            why = $"{label} {path} is not a regular file: give the path of a saved address list (a file, or a symbolic link to one)";
            return null;
        }

        return stream;
    }

    private static string NotRegular(string path, string label, int type) => type switch
    {
        0x4000 => $"{label} {path} is a directory: give the path of an address list",
        0x1000 => $"{label} {path} is a pipe or FIFO, not a regular file: a list is read twice (to count it, then to load it), so save it to a file first",
        0x2000 or 0x6000 => $"{label} {path} is a device, not a regular file: give the path of a saved address list",
        _ => $"{label} {path} is not a regular file: give the path of a saved address list",
    };

    private static string OpenError(string path, string label, int errno) => errno switch
    {
        2 or 20 => $"{label} {path}: no such file", // ENOENT, ENOTDIR (a part of the path is not a directory)
        13 => $"{label} {path}: permission denied", // EACCES
        _ => $"{label} {path}: {LibC.Describe(errno)}",
    };

    // The file type bits of st_mode, or null with the errno. struct statx has one layout on every
    // architecture: stx_mode is the u16 at offset 28.
    private static int? TypeOf(int directoryFd, string path, int flags, out int errno)
    {
        var buffer = stackalloc byte[256];
        if (Statx(directoryFd, path, flags, StatxType, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        return BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(buffer + 28, 2)) & FileTypeMask;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);
}
