using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Widescan.Contracts;

/// <summary>
/// The fingerprint of a scan's plan: a short hash of everything that decides which targets each shard
/// probes, in which order (the targets after exclusions and the blocklist, the windows and the IID
/// pattern, the seed, the shard count), and of nothing else (not the shard index, the cursor, the rate).
/// Every shard of one scan carries the same fingerprint; shards whose fingerprints differ do not fit
/// together, and <c>widescan merge</c> refuses them.
/// </summary>
/// <remarks>
/// The hash is taken over a canonical text (<see cref="CanonicalText"/>), so one plan has one
/// fingerprint however it was spelled: includes in any order, repeated, or inside one another; exclusions
/// likewise, and those that overlap no include (they remove nothing) left out; the blocklist entries
/// that overlap an include, unless lifted (so a version whose blocklist differs gives another
/// fingerprint). A scan of address lists is identified by its list's own fingerprint
/// (<see cref="ScanState.TargetsFingerprint"/>: the addresses left after exclusions and the blocklist).
/// Two spellings of one space that cut it differently (a /112 given as two /113s) are told apart: the
/// fingerprint errs towards refusing, never towards accepting shards that disagree.
/// </remarks>
public static class PlanFingerprint
{
    /// <summary>The version of the canonical text; a change to it changes every fingerprint.</summary>
    public const int Version = 1;

    /// <summary>How many hex digits a fingerprint has.</summary>
    public const int Length = 16;

    /// <summary>The fingerprint of a spec's plan: <see cref="Length"/> lowercase hex digits.</summary>
    /// <param name="spec">The spec (its shard index and start cursor do not count).</param>
    /// <param name="targetsFingerprint">For a spec of <see cref="TargetSpec.TargetFiles"/>: the list's fingerprint
    /// (<see cref="IAddressStream.TargetsFingerprint"/>); by default the spec's <see cref="TargetSpec.TargetFilesFingerprint"/>.</param>
    /// <exception cref="ArgumentException">A spec of TargetFiles without the list's fingerprint: the plan is not known until the list is read.</exception>
    public static string Of(TargetSpec spec, string? targetsFingerprint = null)
    {
        var text = CanonicalText(spec, targetsFingerprint);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..(Length / 2)]);
    }

    /// <summary>Whether a text has a fingerprint's form (<see cref="Length"/> lowercase hex digits).</summary>
    public static bool IsWellFormed(string? text) =>
        text is { Length: Length } && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>The text the fingerprint hashes, one line per fact: for whoever wants to see why two fingerprints differ.</summary>
    /// <param name="spec">The spec.</param>
    /// <param name="targetsFingerprint">For a spec of TargetFiles: the list's fingerprint, as for <see cref="Of"/>.</param>
    /// <exception cref="ArgumentException">A spec of TargetFiles without the list's fingerprint.</exception>
    public static string CanonicalText(TargetSpec spec, string? targetsFingerprint = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = new StringBuilder();
        Line(text, $"widescan-plan {Version}");
        Line(text, $"seed 0x{spec.Seed:x16}");
        Line(text, $"shards {spec.Shard.Count}");
        if (spec.HasTargetFiles)
        {
            // The list's fingerprint covers its addresses after exclusions and the blocklist already.
            var list = targetsFingerprint ?? spec.TargetFilesFingerprint
                ?? throw new ArgumentException("a scan of TargetFiles has a plan fingerprint only once its list is read: give the list's fingerprint (the stream's TargetsFingerprint)", nameof(targetsFingerprint));
            Line(text, $"list {list}");
            return text.ToString();
        }

        var includes = spec.MergedIncludes();
        foreach (var prefix in includes)
            Line(text, $"include {prefix} window={(spec.WindowOf(prefix) is { } w ? "/" + w.ToString(CultureInfo.InvariantCulture) : "none")}");
        Line(text, $"iid {(spec.HasWindows && spec.Iid is { } iid ? iid.ToString() : "none")}");

        IEnumerable<Ipv6Prefix> blocked = spec.Exclude;
        if (!spec.AllowReserved)
            blocked = blocked.Concat(ReservedPrefixes.Default.Select(r => r.Prefix));
        foreach (var prefix in Outermost(blocked.Where(b => includes.Any(i => i.Overlaps(b)))))
            Line(text, $"blocked {prefix}");
        return text.ToString();
    }

    // Distinct, those inside another dropped, in address order: how a set of prefixes is spelled once.
    private static List<Ipv6Prefix> Outermost(IEnumerable<Ipv6Prefix> prefixes)
    {
        var kept = new List<Ipv6Prefix>();
        foreach (var prefix in prefixes.Distinct().OrderBy(p => p.Network).ThenBy(p => p.Length))
        {
            if (kept.Count == 0 || !kept[^1].Contains(prefix))
                kept.Add(prefix);
        }

        return kept;
    }

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
