using System.Text.Json;
using System.Text.Json.Serialization;

namespace Widescan.Contracts;

/// <summary>
/// What a scan saves to resume: the identity of its target spec and the cursor reached. The discovery
/// module writes it (atomically: a temporary file renamed over the old one); a host reads it with
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

    /// <summary>The state of a spec at a cursor.</summary>
    public static ScanState Of(TargetSpec spec, ulong cursor, ulong positions, DateTimeOffset savedAt)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new ScanState
        {
            Include = spec.Include.Select(p => spec.PrefixWindows.TryGetValue(p, out var w) ? $"{p} window=/{w}" : p.ToString()).ToArray(),
            Exclude = spec.Exclude.Select(p => p.ToString()).ToArray(),
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
        var other = Of(spec, Cursor, Positions, SavedAt);
        if (!Include.SequenceEqual(other.Include))
            return $"the prefixes differ (saved: {string.Join(' ', Include)})";
        if (!Exclude.SequenceEqual(other.Exclude))
            return $"the exclusions differ (saved: {string.Join(' ', Exclude)})";
        if (SubnetBits != other.SubnetBits || Iid != other.Iid)
            return $"the window differs (saved: /{SubnetBits?.ToString() ?? "none"} {Iid})";
        if (Seed != other.Seed)
            return $"the seed differs (saved: {Seed})";
        if (Shard != other.Shard)
            return $"the shard differs (saved: {Shard})";
        if (AllowReserved != other.AllowReserved)
            return "--allow-reserved differs";
        return null;
    }

    /// <summary>The spec set to continue at the saved cursor.</summary>
    /// <exception cref="InvalidOperationException">The state is of another scan; the message says what differs.</exception>
    public TargetSpec ResumeFrom(TargetSpec spec) => Difference(spec) is { } why
        ? throw new InvalidOperationException($"the saved state is of another scan: {why}")
        : spec with { StartCursor = Cursor };

    /// <summary>Reads a state file.</summary>
    /// <exception cref="InvalidDataException">The file is not a Widescan state file.</exception>
    public static ScanState Load(string path)
    {
        try
        {
            var state = JsonSerializer.Deserialize(File.ReadAllText(path), ScanStateJson.Default.ScanState);
            return state is { Version: 1 } ? state : throw new InvalidDataException($"{path}: not a Widescan state file of version 1");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a Widescan state file ({e.Message})", e);
        }
    }

    /// <summary>Writes the state atomically: a temporary file beside it, renamed over it.</summary>
    public void Save(string path)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, ScanStateJson.Default.ScanState));
        File.Move(temporary, path, overwrite: true);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ScanState))]
internal sealed partial class ScanStateJson : JsonSerializerContext;
