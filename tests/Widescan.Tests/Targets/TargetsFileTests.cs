using System.Text;
using Widescan.Contracts;
using Widescan.Plugin.Targets;
using Widescan.Tests.Generation;

namespace Widescan.Tests.Targets;

/// <summary>
/// <see cref="TargetSpec.TargetFiles"/>: address lists read by the generator into one sorted, distinct
/// array, every bad line named, binary files refused, exclusions and the blocklist removed and
/// counted, and the list permuted, sharded and resumed like any target space.
/// </summary>
[TestFixture]
public sealed class TargetsFileTests
{
    private string _temp = null!;

    [SetUp]
    public void CreateTemp() => _temp = Directory.CreateTempSubdirectory("widescan-targets-").FullName;

    [TearDown]
    public void DeleteTemp() => Directory.Delete(_temp, recursive: true);

    [Test]
    public void A_list_yields_each_distinct_address_once_with_comments_blanks_crlf_and_128s_read()
    {
        var file = File("hits.txt",
            "# a hitlist\r\n2001:db8::3\r\n\r\n  2001:db8::1/128   # a /128 is one address\n2001:DB8::2\t\n2001:db8::1\n   # indented comment\n2001:db8:0:1::1.2.3.4\n2001:db8::3");
        var targets = Streams.Drain(Streams.Cpu(), ListSpec(file));
        Assert.That(targets, Is.EquivalentTo(new[] { "2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8:0:1::102:304" }.Select(Ipv6Address.Parse)));
    }

    [Test]
    public void Every_malformed_line_is_named_with_its_number_and_the_rest_counted()
    {
        var text = new StringBuilder("2001:db8::1\nnot-an-address\n2001:db8::/64\n2001:db8::1 extra\n2001:db8::1/64\n2001:db8::1%eth0\n");
        for (var k = 0; k < 20; k++)
            text.Append("2001:db8::g\n");
        var bad = File("bad.txt", text.ToString());
        var other = File("other.txt", "2001:db8::zz\n");
        var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(ListSpec(bad, other)))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Errors, Has.Some.EqualTo("TargetFiles bad.txt: line 2: 'not-an-address' is not an IPv6 address"));
            Assert.That(e.Errors, Has.Some.StartsWith("TargetFiles bad.txt: line 3: 2001:db8::/64 is a prefix of more than one address"));
            Assert.That(e.Errors, Has.Some.StartsWith("TargetFiles bad.txt: line 4: unexpected 'extra' after '2001:db8::1'"));
            Assert.That(e.Errors, Has.Some.StartsWith("TargetFiles bad.txt: line 5: '/64' after 2001:db8::1"));
            Assert.That(e.Errors, Has.Some.EqualTo("TargetFiles bad.txt: line 6: '2001:db8::1%eth0' is not an IPv6 address"));
            Assert.That(e.Errors.Count(m => m.StartsWith("TargetFiles bad.txt: line ", StringComparison.Ordinal)), Is.EqualTo(TargetListFile.ListedLineErrors));
            Assert.That(e.Errors, Has.Some.EqualTo("TargetFiles bad.txt: and 5 more bad lines not listed"));
            Assert.That(e.Errors, Has.Some.EqualTo("TargetFiles other.txt: line 1: '2001:db8::zz' is not an IPv6 address"), "every file's errors at once");
        });
    }

    [Test]
    public void A_binary_file_is_refused_in_one_error_and_an_empty_or_missing_one_named()
    {
        var binary = Path.Combine(_temp, "image.bin");
        System.IO.File.WriteAllBytes(binary, [.. "2001:db8::1\nxx\n"u8, 0x00, 0xff, 0x10]);
        var empty = File("empty.txt", "# nothing yet\n\n");
        var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(ListSpec(binary, empty, Path.Combine(_temp, "missing.txt"))))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Errors, Has.One.EqualTo("TargetFiles image.bin looks binary (NUL byte at offset 15): a targets file is text, one address per line"));
            Assert.That(e.Errors, Has.None.Contains("image.bin: line"), "a binary file's lines are noise");
            Assert.That(e.Errors, Has.One.EqualTo("TargetFiles empty.txt holds no address"));
            Assert.That(e.Errors, Has.One.Contains("missing.txt"));
            Assert.That(e.Errors, Has.Count.EqualTo(3));
        });
    }

    [Test]
    public void An_overlong_line_refuses_the_file()
    {
        var file = File("long.txt", "2001:db8::1\n# " + new string('x', TargetListFile.MaxLineBytes + 10) + "\n");
        var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(ListSpec(file)))!;
        Assert.That(e.Errors, Is.EqualTo(new[] { $"TargetFiles long.txt: line 2 is longer than {TargetListFile.MaxLineBytes} bytes: a targets file holds one address per line" }));
    }

    [Test]
    public void More_address_lines_than_the_cap_are_refused_before_anything_is_allocated()
    {
        var file = File("many.txt", string.Concat(Enumerable.Range(1, 11).Select(k => $"2001:db8::{k:x}\n")) + "# comments do not count\n");
        var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(ListSpec(file), maxAddresses: 10))!;
        Assert.That(e.Errors, Is.EqualTo(new[] { "TargetFiles hold more than 10 address lines (counting stopped at the cap in many.txt); at most 10 are allowed: split the list into several scans" }));
        Assert.That(TargetList.Load(ListSpec(file), maxAddresses: 11).Count, Is.EqualTo(11));
    }

    [Test]
    public void Duplicates_and_exclusions_are_removed_in_place_and_counted()
    {
        var file = File("mixed.txt", "2001:db8:1::1\n2001:db8:1::2\n2001:db8:1::2\n2001:db8:2::5\n2001:db8:2::6\n2001:db8:3::9\n2001:db8:1::1\n");
        var spec = ListSpec(file) with { Exclude = [Ipv6Prefix.Parse("2001:db8:2::/48"), Ipv6Prefix.Parse("2001:db8:2::6/128")] };
        var list = TargetList.Load(spec);
        Assert.Multiple(() =>
        {
            Assert.That(list.Addresses.AsSpan(0, list.Count).ToArray(), Is.EqualTo(new[] { "2001:db8:1::1", "2001:db8:1::2", "2001:db8:3::9" }.Select(Ipv6Address.Parse)));
            Assert.That(list.Warnings, Is.EqualTo(new[]
            {
                "2 addresses of the targets files lie in excluded prefixes (Exclude): they are not scanned",
                "the targets files hold reserved addresses (3 in 2001:db8::/32 (Documentation, RFC 3849)): they are scanned, since AllowReserved lifts the blocklist (for labs)",
            }));
            Assert.That(list.Summary, Does.Contain("7 address lines, 2 duplicates, 2 excluded, 0 blocked: 3 targets"));
        });
        var all = TargetList.Load(spec with { Exclude = [] });
        Assert.That(all.Count, Is.EqualTo(5));
        Assert.That(all.Warnings, Has.Count.EqualTo(1), "only the lifted blocklist's");
    }

    [Test]
    public void The_blocklist_applies_to_a_list_unless_lifted_and_says_which_entry_removed_what()
    {
        // 2001:db8::/32 is itself on the blocklist (documentation): every address here is reserved.
        var file = File("reserved.txt", "2001:db8::1\n2001:db8::2\n2001:db8:ffff::3\n");
        var list = TargetList.Load(ListSpec(file) with { AllowReserved = false });
        Assert.Multiple(() =>
        {
            Assert.That(list.Count, Is.Zero);
            Assert.That(list.Warnings, Has.One.EqualTo("3 addresses of the targets files lie in the blocklist (3 in 2001:db8::/32 (Documentation, RFC 3849)): they are not scanned (AllowReserved lifts the blocklist, for labs)"));
            Assert.That(list.Warnings, Has.One.EqualTo("the targets files yield no targets: every address is excluded or blocked"));
        });
        using var stream = Streams.Cpu().Open(ListSpec(file) with { AllowReserved = false });
        Assert.That(stream.Positions, Is.Zero);
        Assert.That(stream.Warnings, Has.Count.EqualTo(2), "a host that runs the stream can show them");
    }

    [Test]
    public void Shards_of_a_list_cover_it_exactly_once_and_a_resume_continues_the_same_sequence()
    {
        var addresses = Addresses(5_003).ToList();
        var file = File("list.txt", string.Join('\n', addresses.Select(Ipv6Address.Format)));
        var whole = ListSpec(file, seed: 41);
        var shards = Enumerable.Range(0, 3).Select(i => Streams.Drain(Streams.Cpu(), whole with { Shard = new ShardSpec(i, 3) })).ToList();
        Assert.That(shards.SelectMany(s => s), Is.EquivalentTo(addresses), "three shards cover the list, each address once");
        Assert.That(shards.Select(s => s.Count), Is.EqualTo(new[] { 1668, 1668, 1667 }));

        var shard = whole with { Shard = new ShardSpec(1, 3) };
        var resumed = Streams.Drain(Streams.Cpu(), shard with { StartCursor = 1_000 });
        Assert.That(resumed, Is.EqualTo(shards[1].Skip(1_000)));
        Assert.That(Streams.Drain(Streams.Cpu(), whole), Is.Not.EqualTo(addresses.Order().ToList()), "the order is permuted, not the file's");
    }

    [Test]
    public void A_resume_refuses_a_list_that_changed_and_accepts_the_same_list_reordered()
    {
        var addresses = Addresses(300).ToList();
        var file = File("list.txt", string.Join('\n', addresses.Select(Ipv6Address.Format)));
        var spec = ListSpec(file, seed: 3) with { Shard = new ShardSpec(0, 2) };
        string? fingerprint;
        ulong positions;
        using (var stream = Streams.Cpu().Open(spec))
        {
            fingerprint = stream.TargetsFingerprint;
            positions = stream.Positions;
        }

        Assert.That(fingerprint, Does.Match("^300/sha256:[0-9a-f]{32}$"));
        var state = ScanState.Of(spec, 100, positions, DateTimeOffset.UnixEpoch, fingerprint);
        var path = Path.Combine(_temp, "state.json");
        state.Save(path);
        var loaded = ScanState.Load(path);
        Assert.That(loaded.TargetsFingerprint, Is.EqualTo(fingerprint));
        Assert.That(loaded.TargetFiles, Is.EqualTo(new[] { file }));

        // The same addresses, reversed, with a comment and a duplicate: the same list.
        System.IO.File.WriteAllText(file, "# reordered\n" + string.Join('\n', Enumerable.Reverse(addresses).Select(Ipv6Address.Format)) + "\n" + Ipv6Address.Format(addresses[0]) + "\n");
        var expected = Streams.Drain(Streams.Cpu(), spec).Skip(100);
        Assert.That(Streams.Drain(Streams.Cpu(), loaded.ResumeFrom(spec)), Is.EqualTo(expected));

        System.IO.File.AppendAllText(file, "2001:db8:ffff::1\n");
        var e = Assert.Throws<TargetSpecException>(() => Streams.Cpu().Open(loaded.ResumeFrom(spec)))!;
        Assert.That(e.Errors.Single(), Does.StartWith($"TargetFiles: the list differs from the one the saved state was taken of (saved: {fingerprint}; now: 301/sha256:"));

        Assert.That(loaded.Difference(Streams.Spec("2001:db8::/112") with { Seed = 3, Shard = new ShardSpec(0, 2) }), Does.StartWith("the saved scan is of address lists"));
        Assert.That(ScanState.Of(Streams.Spec("2001:db8::/112"), 0, 1, DateTimeOffset.UnixEpoch).Difference(spec), Does.StartWith("the saved scan is of prefixes"));
    }

    [Test]
    public void A_spec_with_prefixes_and_files_or_a_window_is_refused_in_option_names()
    {
        var spec = new TargetSpec
        {
            Include = [Ipv6Prefix.Parse("2001:db8::/64")],
            TargetFiles = ["hits.txt", " "],
            SubnetBits = 64,
            Iid = IidPattern.Parse("random"),
        };
        Assert.That(spec.Validate(), Is.EquivalentTo(new[]
        {
            "Include and TargetFiles do not go together: a scan targets either prefixes or address lists",
            "TargetFiles lists whole addresses: SubnetBits, PrefixWindows and Iid have no meaning with it",
            "TargetFiles[1] is empty: give the path of an address list",
        }));
        Assert.That(new TargetSpec { TargetFiles = ["hits.txt"] }.Validate(), Is.Empty);
    }

    [Test]
    public void The_cli_maps_targets_file_and_names_its_flags()
    {
        var file = File("hits.txt", "2001:db8::1\n");
        var (spec, errors) = Discovery.CliParse.Generate("--targets-file", file, "--allow-reserved", "--seed", "1");
        Assert.That(errors, Is.Empty);
        Assert.That(spec!.TargetFiles, Is.EqualTo(new[] { file }));
        (spec, errors) = Discovery.CliParse.Generate("--targets-file", file, "--targets-file", Path.Combine(_temp, "gone.txt"), "--prefix", "2001:db8::/64", "--iid", "random");
        Assert.That(spec, Is.Null);
        Assert.That(errors, Is.EquivalentTo(new[]
        {
            $"--targets-file {Path.Combine(_temp, "gone.txt")}: no such file",
            "--prefix/--prefix-file and --targets-file do not go together: a scan targets either prefixes or address lists",
            "--targets-file lists whole addresses: --subnet-bits, window= and --iid have no meaning with it",
        }));
    }

    [Test]
    public void The_cli_says_a_directory_is_one_and_rewrites_option_names_but_never_file_names_or_echoed_text()
    {
        var (_, errors) = Discovery.CliParse.Generate("--targets-file", _temp, "--seed", "1");
        Assert.That(errors, Is.EqualTo(new[] { $"--targets-file {_temp} is a directory: give the path of an address list" }));

        var named = File("TargetFiles.txt", "# nothing yet\n");
        var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(ListSpec(named)))!;
        Assert.That(e.Errors.Select(Host.Commands.TargetOptions.Flags), Is.EqualTo(new[] { "--targets-file TargetFiles.txt holds no address" }));
        Assert.Multiple(() =>
        {
            Assert.That(Host.Commands.TargetOptions.Flags("TargetFiles a.txt: line 3: 'TargetFiles (Exclude)' is not an IPv6 address"),
                Is.EqualTo("--targets-file a.txt: line 3: 'TargetFiles (Exclude)' is not an IPv6 address"));
            Assert.That(Host.Commands.TargetOptions.Flags("TargetFiles[1] is empty: give the path of an address list"), Does.StartWith("--targets-file[1] is empty"));
            Assert.That(Host.Commands.TargetOptions.Flags("2 addresses of the targets files lie in excluded prefixes (Exclude): they are not scanned"),
                Is.EqualTo("2 addresses of the targets files lie in excluded prefixes (--exclude, --exclude-file): they are not scanned"));
            Assert.That(Host.Commands.TargetOptions.Flags("the saved scan is of address lists (TargetFiles: /x/TargetFiles.txt), this one of prefixes"),
                Is.EqualTo("the saved scan is of address lists (--targets-file: /x/TargetFiles.txt), this one of prefixes"));
        });
    }

    // Distinct addresses spread over a few /64s, in no particular order.
    private static IEnumerable<UInt128> Addresses(int count)
    {
        var basis = Ipv6Address.Parse("2001:db8:1::");
        return Enumerable.Range(0, count).Select(k => basis + ((UInt128)(uint)(k % 7) << 64) + (UInt128)(ulong)k * 7_919);
    }

    private static TargetSpec ListSpec(params string[] files) => ListSpec(files, 7);

    private static TargetSpec ListSpec(string file, ulong seed) => ListSpec([file], seed);

    private static TargetSpec ListSpec(string[] files, ulong seed) => new() { TargetFiles = files, Seed = seed, AllowReserved = true };

    private string File(string name, string text)
    {
        var path = Path.Combine(_temp, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }
}
