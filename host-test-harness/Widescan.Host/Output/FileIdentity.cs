using System.Runtime.InteropServices;

namespace Widescan.Host.Output;

/// <summary>What a path names on Linux: its device and inode, and the kind of file.</summary>
/// <param name="Device">The device of the file system (major &lt;&lt; 32 | minor).</param>
/// <param name="Inode">The inode on that device.</param>
/// <param name="Mode">The file type bits of st_mode (S_IFMT).</param>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode, uint Mode)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private const uint TypeMask = 0xf000;

    /// <summary>A regular file (S_IFREG).</summary>
    public bool IsRegular => Mode == 0x8000;

    /// <summary>A symbolic link (S_IFLNK); seen only when links are not followed.</summary>
    public bool IsSymlink => Mode == 0xa000;

    /// <summary>What kind of file this is, in words, for messages.</summary>
    public string Kind => Mode switch
    {
        0x8000 => "a regular file",
        0x4000 => "a directory",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0x1000 => "a FIFO",
        0xc000 => "a socket",
        0xa000 => "a symbolic link",
        _ => "a special file",
    };

    /// <summary>The identity of <paramref name="path"/> (following symbolic links unless told not to), or null when it does not exist or cannot be examined.</summary>
    public static FileIdentity? Of(string path, bool followLinks = true)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        Span<byte> buffer = stackalloc byte[256];
        unsafe
        {
            fixed (byte* statx = buffer)
            {
                if (Native.statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType | StatxIno, statx) != 0)
                    return null;
            }
        }

        // struct statx (linux/stat.h, the same on every architecture): stx_mode at 28, stx_ino at 32,
        // stx_dev_major and stx_dev_minor at 136 and 140.
        var mode = (uint)BitConverter.ToUInt16(buffer[28..]) & TypeMask;
        var inode = BitConverter.ToUInt64(buffer[32..]);
        var device = ((ulong)BitConverter.ToUInt32(buffer[136..]) << 32) | BitConverter.ToUInt32(buffer[140..]);
        return new FileIdentity(device, inode, mode);
    }

    private static unsafe partial class Native
    {
        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);
    }
}
