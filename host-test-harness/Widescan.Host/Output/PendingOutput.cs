namespace Widescan.Host.Output;

/// <summary>
/// <c>--output FILE</c> in two steps, so that a run that fails before it starts (no CAP_NET_RAW, a bad
/// interface, a state of another scan, a plugin that cannot load) leaves an existing file exactly as it
/// was. <see cref="Prepare"/>, before the module runs, finds every problem opening can have (no such
/// directory, no permission) without changing the file: an existing regular file is opened for writing
/// but not truncated, a missing one is created empty. <see cref="Commit"/>, once the module has
/// started (its first event), truncates (or, resuming, appends) and hands over the stream.
/// <see cref="Dispose"/> without a commit closes the file, and deletes it only if this run made it.
/// Devices, FIFOs and terminals are opened as before in <see cref="Prepare"/>: truncating them
/// changes nothing, and a FIFO waits there for its reader, before anything is sent.
/// </summary>
internal sealed class PendingOutput : IDisposable
{
    private readonly string? path;
    private readonly bool append;
    private readonly bool created;
    private readonly bool regular;
    private FileStream? file;
    private Stream? committed;

    private PendingOutput(string? path, FileStream? file, bool append, bool created, bool regular)
    {
        this.path = path;
        this.file = file;
        this.append = append;
        this.created = created;
        this.regular = regular;
    }

    /// <summary>Whether <see cref="Commit"/> has handed the stream over.</summary>
    public bool IsCommitted => committed is not null;

    /// <summary>Checks and holds the destination without changing it; stdout and a test's writer need nothing.</summary>
    /// <param name="output">--output, or null for standard output.</param>
    /// <param name="append">Append (a resumed scan adds to the results before it).</param>
    /// <exception cref="IOException">The file cannot be opened or made.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to write it.</exception>
    public static PendingOutput Prepare(FileInfo? output, bool append)
    {
        if (output is null)
            return new PendingOutput(null, null, append, created: false, regular: false);

        var path = output.FullName;
        if (FileIdentity.Of(path) is { } identity)
        {
            // Open for writing, FileMode.Open: the permission check happens now, the truncation at Commit.
            // A regular file is opened readable too, so a resume can cut a torn last record before appending.
            var mode = identity.IsRegular ? FileMode.Open : append ? FileMode.Append : FileMode.Create;
            return new PendingOutput(path, Open(path, mode, identity.IsRegular ? FileAccess.ReadWrite : FileAccess.Write), append, created: false, regular: identity.IsRegular);
        }

        return new PendingOutput(path, Open(path, FileMode.CreateNew, FileAccess.ReadWrite), append, created: true, regular: true);
    }

    /// <summary>The stream to write results to, truncated now unless appending; <paramref name="live"/> as <see cref="ResultDestination.Open"/> says.</summary>
    public Stream Commit(TextWriter commandOutput, out bool live)
    {
        if (committed is not null)
            throw new InvalidOperationException("the output is committed already");
        if (file is null)
        {
            committed = ResultDestination.Open(null, append, commandOutput, out live);
            return committed;
        }

        // Only a regular file is cut or truncated here: a device (/dev/full) may seek but refuses
        // ftruncate, and was opened as it is meant to be written already.
        if (regular)
        {
            if (append)
            {
                // A resume appends: a record the last run left half-written is cut off first.
                if (TornTail.Repair(file) is > 0 and var torn)
                    Serilog.Log.Warning("Repaired {Path}: removed a half-written last line ({Bytes} bytes) left by the run before", path, torn);
                file.Seek(0, SeekOrigin.End);
            }
            else
            {
                file.SetLength(0);
            }
        }

        live = !file.CanSeek;
        committed = file;
        file = null;
        return committed;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (file is not null)
        {
            file.Dispose();
            file = null;
            if (created && path is not null)
                File.Delete(path);
        }

        committed?.Dispose();
        committed = null;
    }

    private static FileStream Open(string path, FileMode mode, FileAccess access) =>
        new(path, mode, access, FileShare.Read, bufferSize: 0);
}
