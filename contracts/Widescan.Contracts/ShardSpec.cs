using System.ComponentModel;
using System.Globalization;

namespace Widescan.Contracts;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/>: with one seed, shard i takes the positions i, i+n,
/// i+2n, ... of the permutation, so n machines cover a space exactly once together. Indexes start at 0.
/// </summary>
/// <param name="Index">This shard, 0 to Count - 1.</param>
/// <param name="Count">How many shards share the space, at least 1.</param>
[TypeConverter(typeof(ShardSpecConverter))]
public readonly record struct ShardSpec(int Index, int Count)
{
    /// <summary>The whole space as one shard (0/1).</summary>
    public static ShardSpec Whole => new(0, 1);

    /// <summary>Whether 0 &lt;= Index &lt; Count.</summary>
    public bool IsValid => Count >= 1 && Index >= 0 && Index < Count;

    /// <summary>Parses "I/N" (for example "0/4").</summary>
    /// <exception cref="FormatException">Not of that form, or the index is not below the count.</exception>
    public static ShardSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/');
        if (slash <= 0
            || !int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            throw new FormatException($"shard '{text}' is not of the form I/N (for example 0/4)");
        var shard = new ShardSpec(index, count);
        if (!shard.IsValid)
            throw new FormatException($"shard '{text}': the index must be 0 to N-1 and N at least 1");
        return shard;
    }

    /// <summary>"I/N".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
