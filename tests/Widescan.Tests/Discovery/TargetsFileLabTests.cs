using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Widescan.Contracts;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// <c>--targets-file</c> in the lab: 1,000,000 addresses of a /108 whose every address answers, scanned
/// as two shards one after the other through the CLI, find exactly the listed addresses (none of the
/// 48,576 left out answers, since none is probed), each once, and each CLI process stays under 200 MB.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed partial class TargetsFileLabTests
{
    private const string Dense108 = "2001:db8:300::/108";
    private const int Listed = 1_000_000;
    private const long MaxRssKb = 200 * 1024;

    private string _temp = null!;

    [SetUp]
    public void CreateTemp() => _temp = Directory.CreateTempSubdirectory("widescan-targets-lab-").FullName;

    [TearDown]
    public void DeleteTemp() => Directory.Delete(_temp, recursive: true);

    [Test]
    public void Two_shards_of_a_million_address_list_find_exactly_the_listed_addresses_each_once_under_200_MB()
    {
        using var lab = NetnsLab.Dense(Dense108);
        var listed = WriteList(Path.Combine(_temp, "hitlist.txt"));
        var clock = Stopwatch.StartNew();
        var shards = Enumerable.Range(0, 2).Select(i => Scan(lab, Path.Combine(_temp, "hitlist.txt"), i)).ToList();
        TestContext.Out.WriteLine($"two shards in {clock.Elapsed.TotalSeconds:F1} s; peak RSS {shards[0].RssKb / 1024} MB and {shards[1].RssKb / 1024} MB");
        Assert.Multiple(() =>
        {
            for (var i = 0; i < shards.Count; i++)
            {
                var (alive, summary, rssKb, run) = shards[i];
                Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString);
                Assert.That(alive, Has.Count.EqualTo(Listed / 2), "each shard holds half the list, each address once");
                Assert.That(rssKb, Is.InRange(1, MaxRssKb), "the CLI's peak resident set");
                Assert.That(summary.ValueKind, Is.EqualTo(JsonValueKind.Object), $"shard {i} wrote its summary");
                if (summary.ValueKind == JsonValueKind.Object)
                    Assert.That(summary.GetProperty("status").GetString(), Is.EqualTo("complete"), $"shard {i} complete");
            }

            Assert.That(shards[0].Alive.Overlaps(shards[1].Alive), Is.False, "no address in both shards");
            Assert.That(shards[0].Alive.Union(shards[1].Alive).ToHashSet().SetEquals(listed), Is.True, "together exactly the listed addresses");
        });
    }

    // A million of the /108's 1,048,576 addresses, in a scattered order with comments and repeats;
    // the left-out ones still answer, so a probe sent to one of them would show.
    private static HashSet<UInt128> WriteList(string path)
    {
        var basis = Ipv6Prefix.Parse(Dense108).Network;
        var listed = new HashSet<UInt128>(Listed);
        using var writer = new StreamWriter(path);
        writer.WriteLine("# a hitlist of the lab's dense /108");
        for (ulong k = 0; listed.Count < Listed; k++)
        {
            var address = basis + (k * 0x9E3779B1UL & 0xF_FFFF);
            if (!listed.Add(address))
                continue;
            writer.WriteLine(Ipv6Address.Format(address));
            if (k % 100_000 == 0)
                writer.WriteLine(Ipv6Address.Format(address) + "/128   # listed twice");
        }

        return listed;
    }

    private (HashSet<UInt128> Alive, JsonElement Summary, long RssKb, ProcessRunner.Result Run) Scan(NetnsLab lab, string list, int shard)
    {
        var output = Path.Combine(_temp, $"shard{shard}.jsonl");

        // time -v reports the peak resident set of the dotnet process it runs (ip netns exec execs it).
        var run = ProcessRunner.Run("ip",
            ["netns", "exec", lab.Scanner, "/usr/bin/time", "-v", "dotnet", Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll"), "--plugins", RepoArtifacts.PluginsDirectory,
             "scan", "--targets-file", list, "--allow-reserved", "--generator", "cpu", "--seed", "0x5eed", "--shard", $"{shard}/2",
             "--rate", "1000000", "--cooldown", "0.5", "--output", output, "--quiet"],
            RepoArtifacts.Root, TimeSpan.FromSeconds(50));
        var alive = new HashSet<UInt128>();
        JsonElement summary = default;
        if (File.Exists(output))
        {
            foreach (var line in File.ReadLines(output))
            {
                using var record = JsonDocument.Parse(line);
                var root = record.RootElement;
                switch (root.GetProperty("type").GetString())
                {
                    case "alive":
                        Assert.That(alive.Add(Ipv6Address.Parse(root.GetProperty("address").GetString()!)), Is.True, "an address reported twice");
                        break;
                    case "summary":
                        summary = root.Clone();
                        break;
                }
            }
        }

        var rss = MaxRss().Match(run.Output);
        return (alive, summary, rss.Success ? long.Parse(rss.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1, run);
    }

    [GeneratedRegex(@"Maximum resident set size \(kbytes\): (\d+)")]
    private static partial Regex MaxRss();
}
