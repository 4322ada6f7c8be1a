using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Transport;

/// <summary>
/// A classic pcap file (LINKTYPE_RAW: each record a whole IPv6 packet) that stands in for a socket:
/// <see cref="Send"/> has sendmmsg's shape, so a <see cref="RawIcmpv6Sender"/> built on it writes each
/// slot as one record instead of sending it (the dry run). The file is written beside its path under a
/// temporary name and only <see cref="Commit"/> (flush, fsync, rename, directory fsync) puts it in
/// place: a run that fails, or never sends, leaves whatever was at the path as it was.
/// </summary>
/// <remarks>
/// Not thread-safe: one sending thread. Per record it writes a 16-byte header from the stack and the
/// packet from the slot into the stream's buffer: nothing is allocated.
/// </remarks>
internal sealed unsafe partial class PcapFileSink : IDisposable
{
    /// <summary>LINKTYPE_RAW: the packet starts with its IPv4 or IPv6 header.</summary>
    public const uint LinkTypeRaw = 101;

    private const uint MagicMicroseconds = 0xa1b2c3d4;
    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY on Linux
    private const int AtCurrentDirectory = -100; // AT_FDCWD
    private const uint StatxType = 0x1; // STATX_TYPE
    private const int FileTypeMask = 0xF000; // S_IFMT
    private const int RegularFile = 0x8000; // S_IFREG

    private readonly string _temporary;
    private readonly int _skip;
    private readonly TimeProvider _time;
    private FileStream? _stream;
    private long _records;
    private bool _committed;

    private PcapFileSink(string path, string temporary, FileStream stream, int skip, TimeProvider time)
    {
        Path = path;
        _temporary = temporary;
        _stream = stream;
        _skip = skip;
        _time = time;
    }

    /// <summary>Where <see cref="Commit"/> puts the file.</summary>
    public string Path { get; }

    /// <summary>Packets written so far.</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>
    /// Starts the file for <paramref name="path"/> (a symbolic link's target is the one replaced);
    /// each slot's first <paramref name="skip"/> bytes (a link header) are left out of its record.
    /// </summary>
    /// <exception cref="IOException">The path is not a regular file (a device, FIFO or directory, which a rename would replace), or the temporary file cannot be made.</exception>
    public static PcapFileSink Create(string path, int skip, int snapLength, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentNullException.ThrowIfNull(time);
        var target = new FileInfo(System.IO.Path.GetFullPath(path));
        // The finished file is renamed into place, which would replace a link's target without the
        // kernel's checks on following links (fs.protected_symlinks): a link planted at the path in
        // a shared directory would let a privileged run write anywhere. A link is refused.
        if (target.LinkTarget is not null)
            throw new IOException($"{target.FullName} is a symbolic link (to {target.LinkTarget}): give the path of the file itself");
        if (FileType(target.FullName) is { } type && type != RegularFile)
        {
            throw new IOException(
                $"{target.FullName} is not a regular file (a directory, device, FIFO or socket, which the finished file would replace): give the path of a file");
        }

        var directory = target.DirectoryName!;
        var temporary = System.IO.Path.Combine(directory, $".{target.Name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        try
        {
            Span<byte> header = stackalloc byte[24];
            BinaryPrimitives.WriteUInt32LittleEndian(header, MagicMicroseconds);
            BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0); // timestamps are UTC
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)snapLength);
            BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkTypeRaw);
            stream.Write(header);
            return new PcapFileSink(target.FullName, temporary, stream, skip, time);
        }
        catch
        {
            stream.Dispose();
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// sendmmsg's stand-in (<see cref="RawIcmpv6Sender.SendMessages"/>): writes every message's
    /// iovec, less the skipped link header, as one record stamped now; all of them are "sent".
    /// </summary>
    /// <exception cref="IOException">The file could not be written (a full disk): the run fails, and the file is not put in place.</exception>
    public int Send(int fd, MMsgHdr* messages, uint count, out int errno)
    {
        errno = 0;
        var stream = _stream ?? throw new ObjectDisposedException(nameof(PcapFileSink));
        var now = _time.GetUtcNow();
        var micros = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;
        Span<byte> record = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(micros / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)(micros % 1_000_000));
        for (var i = 0; i < count; i++)
        {
            var iov = messages[i].Header.Iov;
            var length = (int)iov->Length - _skip;
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)length);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)length);
            stream.Write(record);
            stream.Write(new ReadOnlySpan<byte>((byte*)iov->Base + _skip, length));
        }

        Interlocked.Add(ref _records, count);
        return (int)count;
    }

    /// <summary>Flushes the file to disk and renames it over <see cref="Path"/>, then flushes the directory.</summary>
    public void Commit()
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(PcapFileSink));
        stream.Flush(flushToDisk: true);
        stream.Dispose();
        _stream = null;
        File.Move(_temporary, Path, overwrite: true);
        _committed = true;
        FlushDirectory(System.IO.Path.GetDirectoryName(Path)!);
    }

    /// <summary>Without <see cref="Commit"/>, removes the temporary file: the path keeps what it held.</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        if (!_committed)
            File.Delete(_temporary);
    }

    /// <summary>The file type bits of <c>st_mode</c> (statx, following links), null when nothing is there.</summary>
    private static int? FileType(string path)
    {
        // struct statx has one layout on every architecture: stx_mode is the u16 at offset 28.
        var buffer = stackalloc byte[256];
        if (Statx(AtCurrentDirectory, path, 0, StatxType, buffer) != 0)
            return null;
        return BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(buffer + 28, 2)) & FileTypeMask;
    }

    private static void FlushDirectory(string directory)
    {
        var fd = OpenDirectory(directory, ReadOnlyDirectory);
        if (fd < 0)
            throw new IOException($"cannot open {directory} to flush it: {LibC.Describe(Marshal.GetLastPInvokeError())}");
        try
        {
            if (Fsync(fd) != 0)
                throw new IOException($"cannot flush {directory}: {LibC.Describe(Marshal.GetLastPInvokeError())}");
        }
        finally
        {
            LibC.close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenDirectory(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);
}
