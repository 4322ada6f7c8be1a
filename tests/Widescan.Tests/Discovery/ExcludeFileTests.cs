using Widescan.Contracts;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// <c>--exclude-file</c>: an operator's opt-out list (prefixes or addresses, comments) is subtracted
/// from the targets, read whole or refused with every bad line named, and on the wire its entries
/// get no probe.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ExcludeFileTests
{
    private string _temp = null!;

    [SetUp]
    public void CreateTemp() => _temp = Directory.CreateTempSubdirectory("widescan-exclude-").FullName;

    [TearDown]
    public void DeleteTemp() => Directory.Delete(_temp, recursive: true);

    [Test]
    public void An_opt_out_file_of_prefixes_and_addresses_is_subtracted_from_the_targets()
    {
        var optOut = File("opt-out.txt", "# operators who asked not to be scanned\n2001:db8:100::/124   # EXAMPLE-NET\n\n2001:db8:100::80\n");
        var published = File("aliased.txt", "2001:db8:100::f0/124\n");
        var (spec, errors) = CliParse.Generate("--prefix", "2001:db8:100::/120", "--allow-reserved", "--exclude-file", optOut, "--exclude-file", published, "--exclude", "2001:db8:100::40/126");
        Assert.That(errors, Is.Empty);
        Assert.That(spec!.Exclude.Select(p => p.ToString()), Is.EquivalentTo(new[]
        {
            "2001:db8:100::/124", "2001:db8:100::80/128", "2001:db8:100::f0/124", "2001:db8:100::40/126",
        }));
    }

    [Test]
    public void A_bad_opt_out_file_is_refused_with_every_bad_line_named_and_the_other_errors_at_once()
    {
        var bad = File("bad.txt", "2001:db8::/48\nnot-a-prefix\n2001:db8:1::/48 window=/64\n");
        var binary = Path.Combine(_temp, "binary.bin");
        System.IO.File.WriteAllBytes(binary, [0x20, 0x00, 0x01, 0xff]);
        var (spec, errors) = CliParse.Generate("--prefix", "2001:db8::/32", "--allow-reserved", "--exclude-file", bad, "--exclude-file", binary, "--seed", "nope");
        Assert.Multiple(() =>
        {
            Assert.That(spec, Is.Null);
            Assert.That(errors, Has.Some.StartsWith("--exclude-file bad.txt: line 2:"));
            Assert.That(errors, Has.Some.Contains("--exclude-file bad.txt: line 3: window= has no meaning in an exclusion list"));
            Assert.That(errors, Has.Some.Contains("--exclude-file").And.Contains("binary"));
            Assert.That(errors, Has.Some.Contains("--seed 'nope'"), "the command's other errors come in the same run");
        });
    }

    [Test]
    public void A_prefix_or_exclude_file_echoes_only_an_excerpt_of_a_bad_line_and_skips_a_byte_order_mark()
    {
        var secret = new string('s', 4000);
        var bad = File("bad.txt", $"{secret}\n2001:db8::/48 {secret}\n2001:db8::/48 window=/64 {secret}\n");
        var bom = Path.Combine(_temp, "bom.txt");
        System.IO.File.WriteAllBytes(bom, [.. "\uFEFF"u8, .. "2001:db8:1::/112\n"u8]);
        var (spec, errors) = CliParse.Generate("--prefix-file", bad, "--exclude-file", bad, "--allow-reserved");
        Assert.Multiple(() =>
        {
            Assert.That(spec, Is.Null);
            Assert.That(errors, Has.Count.EqualTo(6), string.Join('\n', errors));
            Assert.That(errors, Has.All.Length.LessThan(300), "no message echoes a whole line");
            Assert.That(errors, Has.Some.EqualTo($"--prefix-file bad.txt: line 1: '{new string('s', InputText.ExcerptLength)}{InputText.Ellipsis}' is not an IPv6 prefix"));
        });

        (spec, errors) = CliParse.Generate("--prefix-file", bom, "--exclude-file", bom, "--allow-reserved");
        Assert.That(errors, Is.Empty, "a byte-order mark is not part of the first line");
        Assert.That(spec!.Include.Select(p => p.ToString()), Is.EqualTo(new[] { "2001:db8:1::/112" }));
        Assert.That(spec.Exclude.Select(p => p.ToString()), Is.EqualTo(new[] { "2001:db8:1::/112" }));
    }

    [Test]
    public void Entries_of_an_exclude_file_inside_the_scanned_prefix_receive_no_probe()
    {
        using var lab = NetnsLab.Dense("2001:db8:100::/120");
        var optOut = File("opt-out.txt", "2001:db8:100::/124\n2001:db8:100::80   # one host\n");
        using var capture = TargetCapture.Start(lab);
        var run = ProcessRunner.Run("ip",
            ["netns", "exec", lab.Scanner, "dotnet", Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll"), "--plugins", RepoArtifacts.PluginsDirectory,
             "scan", "--prefix", "2001:db8:100::/120", "--allow-reserved", "--generator", "cpu", "--rate", "5000", "--cooldown", "0.5",
             "--exclude-file", optOut, "--output", Path.Combine(_temp, "out.jsonl"), "-q"],
            RepoArtifacts.Root, TimeSpan.FromSeconds(60));
        capture.WaitFor(256 - 16 - 1 + 16, TimeSpan.FromSeconds(5));
        var swept = Ipv6Prefix.Parse("2001:db8:100::/120");
        var all = capture.Requests.Select(r => r.Destination).ToHashSet();
        var probed = all.Where(swept.Contains).ToHashSet();
        var alias = all.Where(d => !swept.Contains(d)).ToList();
        var excluded = Ipv6Prefix.Parse("2001:db8:100::/124");
        var host = Ipv6Address.Parse("2001:db8:100::80");
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString);
            Assert.That(probed.Where(d => excluded.Contains(d) || d == host), Is.Empty, "an opted-out target gets no probe");
            Assert.That(probed, Has.Count.EqualTo(256 - 16 - 1), "every other target does");
            Assert.That(alias, Has.Count.EqualTo(16), "and the 16 alias probes of the live hosts' /64 (dealiasing on), outside the targets");
            Assert.That(alias.All(Ipv6Prefix.Parse("2001:db8:100::/64").Contains), Is.True, "alias probes stay inside the live hosts' /64");
            Assert.That(capture.KernelDropped, Is.Zero);
        });
    }


    private string File(string name, string text)
    {
        var path = Path.Combine(_temp, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }
}
