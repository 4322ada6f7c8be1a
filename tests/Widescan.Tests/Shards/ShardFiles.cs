using System.Text.Json;
using Widescan.Tests.Hosting;

namespace Widescan.Tests.Shards;

/// <summary>What the shard lab tests read back: the records of result files, and merge run as the packaged CLI.</summary>
internal static class ShardFiles
{
    /// <summary>The packaged CLI as a command line: dotnet, its dll and the packaged plugins.</summary>
    public static string[] Widescan => ["dotnet", Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll"), "--plugins", RepoArtifacts.PluginsDirectory];

    /// <summary>Every JSONL record of a file.</summary>
    public static List<JsonElement> Records(string path) =>
        [.. File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    /// <summary>The records of one type.</summary>
    public static List<JsonElement> OfType(this List<JsonElement> records, string type) =>
        [.. records.Where(r => r.GetProperty("type").GetString() == type)];

    /// <summary><c>widescan merge</c> of the files into <paramref name="output"/>, as a process.</summary>
    public static ProcessRunner.Result Merge(string output, IEnumerable<string> files, IEnumerable<string>? states = null) =>
        ProcessRunner.Run(Widescan[0], [.. Widescan.Skip(1), "merge", .. files, .. (states ?? []).SelectMany(s => new[] { "--state", s }), "--output", output],
            RepoArtifacts.Root, TimeSpan.FromMinutes(1));
}
