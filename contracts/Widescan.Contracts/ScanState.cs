using System.Text.Json;
using System.Text.Json.Serialization;

namespace Widescan.Contracts;

/// <summary>
/// What a scan saves to resume: the identity of its target spec and the cursor reached. The discovery
/// module writes it (durably and atomically: see <see cref="Save"/>); a host reads it with
/// <see cref="Load"/>, checks it with <see cref="Matches"/> and resumes with <see cref="ResumeFrom"/>.
/// </summary>
public sealed record ScanState
{
    /// <summary>The format version of the file.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The include prefixes, canonical text, each with its own window when it has one.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>The exclude prefixes, canonical text.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>The paths of <see cref="TargetSpec.TargetFiles"/>, as given (for whoever reads the file; resume compares <see cref="TargetsFingerprint"/>).</summary>
    public IReadOnlyList<string> TargetFiles { get; init; } = [];

    /// <summary>
    /// The fingerprint of the list a <see cref="TargetSpec.TargetFiles"/> scan loaded
    /// (<see cref="IAddressStream.TargetsFingerprint"/>: the count and a SHA-256 of the sorted, distinct
    /// addresses left after exclusions); null for a scan of prefixes. A resume hands it on in
    /// <see cref="TargetSpec.TargetFilesFingerprint"/>, and the generator refuses a list that differs:
    /// the positions of a cursor mean other addresses in another list.
    /// </summary>
    public string? TargetsFingerprint { get; init; }

    /// <summary>
    /// The fingerprint of the scan's plan (<see cref="Contracts.PlanFingerprint"/>), the same in every shard
    /// of one scan; null in a state file written before fingerprints existed. A resume whose plan has
    /// another fingerprint (a blocklist that changed between versions, say) is refused.
    /// </summary>
    public string? PlanFingerprint { get; init; }

    /// <summary>The subnet window, if any.</summary>
    public int? SubnetBits { get; init; }

    /// <summary>The IID pattern's command-line form, if any.</summary>
    public string? Iid { get; init; }

    /// <summary>The key of the order.</summary>
    public ulong Seed { get; init; }

    /// <summary>The shard, "I/N".</summary>
    public string Shard { get; init; } = "0/1";

    /// <summary>Whether the blocklist was lifted.</summary>
    public bool AllowReserved { get; init; }

    /// <summary>The next position to probe: every position before it was sent (all its probes).</summary>
    public ulong Cursor { get; init; }

    /// <summary>The shard's positions in all; the scan is complete when Cursor reaches it.</summary>
    public ulong Positions { get; init; }

    /// <summary>When the state was written.</summary>
    public DateTimeOffset SavedAt { get; init; }

    /// <summary>The state of a spec at a cursor; <paramref name="targetsFingerprint"/> is its stream's <see cref="IAddressStream.TargetsFingerprint"/>.</summary>
    /// <exception cref="ArgumentException">The spec is of <see cref="TargetSpec.TargetFiles"/> and neither the fingerprint nor the spec's <see cref="TargetSpec.TargetFilesFingerprint"/> is given: such a state could never be resumed.</exception>
    public static ScanState Of(TargetSpec spec, ulong cursor, ulong positions, DateTimeOffset savedAt, string? targetsFingerprint = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.HasTargetFiles && (targetsFingerprint ?? spec.TargetFilesFingerprint) is null)
        {
            throw new ArgumentException(
                "a scan of TargetFiles needs the list's fingerprint (the stream's TargetsFingerprint) in its state, or the state could not be resumed", nameof(targetsFingerprint));
        }

        return Describe(spec, cursor, positions, savedAt, targetsFingerprint);
    }

    private static ScanState Describe(TargetSpec spec, ulong cursor, ulong positions, DateTimeOffset savedAt, string? targetsFingerprint)
    {
        var list = targetsFingerprint ?? spec.TargetFilesFingerprint;
        return new ScanState
        {
            PlanFingerprint = spec.HasTargetFiles && list is null ? null : Contracts.PlanFingerprint.Of(spec, list),
            Include = spec.Include.Select(p => spec.PrefixWindows.Any(w => w.Prefix == p) ? $"{p} window=/{spec.WindowOf(p)}" : p.ToString()).ToArray(),
            Exclude = spec.Exclude.Select(p => p.ToString()).ToArray(),
            TargetFiles = spec.TargetFiles.ToArray(),
            TargetsFingerprint = list,
            SubnetBits = spec.SubnetBits,
            Iid = spec.Iid?.ToString(),
            Seed = spec.Seed,
            Shard = spec.Shard.ToString(),
            AllowReserved = spec.AllowReserved,
            Cursor = cursor,
            Positions = positions,
            SavedAt = savedAt,
        };
    }

    /// <summary>Whether the state belongs to the same scan as the spec (everything but the cursor).</summary>
    public bool Matches(TargetSpec spec) => Difference(spec) is null;

    /// <summary>What differs between the state's scan and the spec, or null when they are the same scan.</summary>
    public string? Difference(TargetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var other = Describe(spec, Cursor, Positions, SavedAt, null);

        // The list's content is compared by the generator once it has read it (TargetFilesFingerprint).
        if ((TargetsFingerprint is not null) != spec.HasTargetFiles)
            return TargetsFingerprint is not null
                ? $"the saved scan is of address lists (TargetFiles: {string.Join(' ', TargetFiles)}), this one of prefixes"
                : "the saved scan is of prefixes, this one of address lists (TargetFiles)";
        if (!Include.SequenceEqual(other.Include))
            return $"the prefixes differ (saved: {string.Join(' ', Include)})";
        if (!Exclude.SequenceEqual(other.Exclude))
            return $"the exclusions differ (saved: {string.Join(' ', Exclude)})";
        if (RendezvousKeyIdOf(Iid) is { } savedKey && RendezvousKeyIdOf(other.Iid) is { } key && savedKey != key)
            return $"the rendezvous key differs (saved: key id {savedKey}, given: key id {key}): resume with the network key or name the scan was started with";
        if (SubnetBits != other.SubnetBits || Iid != other.Iid)
            return $"the window differs (saved: /{SubnetBits?.ToString() ?? "none"} {Iid})";
        if (Seed != other.Seed)
            return $"the seed differs (saved: {Seed})";
        if (Shard != other.Shard)
            return $"the shard differs (saved: {Shard})";
        if (AllowReserved != other.AllowReserved)
            return $"AllowReserved differs (saved: {AllowReserved})";

        // Every option agrees; the plan can still differ where no option does (this version's blocklist).
        if (PlanFingerprint is not null && (!spec.HasTargetFiles || TargetsFingerprint is not null))
        {
            var now = Contracts.PlanFingerprint.Of(spec, TargetsFingerprint);
            if (now != PlanFingerprint)
                return $"the plan's fingerprint differs (saved: {PlanFingerprint}, now: {now}) though the options agree: the blocklist of this version differs from the one the scan started with; finish it with that version, or start a new state";
        }

        return null;
    }

    // The key id of a rendezvous pattern's text form (rendezvous:slots=N,key=ID), or null.
    private static string? RendezvousKeyIdOf(string? iid)
    {
        const string Key = ",key=";
        var at = iid is not null && iid.StartsWith("rendezvous:", StringComparison.Ordinal) ? iid.IndexOf(Key, StringComparison.Ordinal) : -1;
        return at < 0 ? null : iid![(at + Key.Length)..];
    }

    /// <summary>
    /// The spec set to continue at the saved cursor; for a list, with <see cref="TargetSpec.TargetFilesFingerprint"/>
    /// set, so that the generator refuses a list that changed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The state is of another scan; the message says what differs.</exception>
    public TargetSpec ResumeFrom(TargetSpec spec) => Difference(spec) is { } why
        ? throw new InvalidOperationException($"the saved state is of another scan: {why}")
        : spec with { StartCursor = Cursor, TargetFilesFingerprint = TargetsFingerprint };

    /// <summary>The largest state file read: its include list can hold a long prefix file, nothing more.</summary>
    public const int MaxFileBytes = 64 << 20;

    /// <summary>
    /// Reads a state file, checking every field: a missing or mistyped field, an unknown version, a
    /// cursor past the positions, a binary or oversized file each get their own message, which names
    /// the file and the field ("state file X: field 'cursor' is missing").
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid Widescan state file; the message says why.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ScanState Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ScanStateReader.Read(path, MaxFileBytes);
    }

    /// <summary>
    /// Writes the state durably and atomically: a fresh temporary file beside it
    /// (<c>PATH.RANDOM.tmp</c>, created exclusively), flushed to disk, renamed over it, and the
    /// directory flushed, so a crash at any moment leaves the old state or the new one, never a torn
    /// file. The temporary name is new each time and never opened if it exists: a fixed
    /// <c>PATH.tmp</c> would follow a symbolic link planted in a shared directory and let a root scan
    /// overwrite the file it names.
    /// </summary>
    /// <param name="path">The state file.</param>
    /// <param name="step">Called after each step (tests stop the process there to prove each point is safe).</param>
    public void Save(string path, Action<ScanStateSaveStep>? step = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temporary = $"{path}.{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6))}.tmp";
        var created = false;
        var renamed = false;
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                created = true;
                file.Write(JsonSerializer.SerializeToUtf8Bytes(this, ScanStateJson.Default.ScanState));
                file.Flush(flushToDisk: true);
            }

            step?.Invoke(ScanStateSaveStep.TemporaryWritten);
            File.Move(temporary, path, overwrite: true);
            renamed = true;
        }
        finally
        {
            // A failed write (a full disk) leaves no temporary file behind; only the one made here.
            if (created && !renamed)
                File.Delete(temporary);
        }

        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path)));
        step?.Invoke(ScanStateSaveStep.Renamed);
    }
}

/// <summary>The points of <see cref="ScanState.Save"/> at which a crash must leave a usable state.</summary>
public enum ScanStateSaveStep
{
    /// <summary>The temporary file is on disk; the old state is still in place.</summary>
    TemporaryWritten,

    /// <summary>The temporary file replaced the state, and the directory entry is on disk.</summary>
    Renamed,
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ScanState))]
internal sealed partial class ScanStateJson : JsonSerializerContext;
