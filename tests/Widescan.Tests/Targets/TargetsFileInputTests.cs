using System.IO.Pipes;
using System.Text;
using Widescan.Contracts;
using Widescan.Plugin.Targets;
using Widescan.Tests.Generation;

namespace Widescan.Tests.Targets;

/// <summary>
/// What a targets file may be and what its errors may echo: only regular files (a pipe, FIFO, device
/// or directory is refused by name, a link to a file is followed), a file that changes between the
/// two passes refused, counting stopped at the cap, echoed text cut to an excerpt, every file's and
/// the spec's errors at once.
/// </summary>
[TestFixture]
[CancelAfter(20_000)]
public sealed class TargetsFileInputTests
{
    private string _temp = null!;

    [SetUp]
    public void CreateTemp() => _temp = Directory.CreateTempSubdirectory("widescan-targets-input-").FullName;

    [TearDown]
    public void DeleteTemp() => Directory.Delete(_temp, recursive: true);

    [Test]
    public void A_pipe_a_fifo_a_device_and_a_directory_are_refused_by_name_and_a_link_to_a_file_is_read()
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        pipe.Write("2001:db8::1\n"u8);
        var piped = $"/proc/self/fd/{pipe.ClientSafePipeHandle.DangerousGetHandle()}";
        var fifo = Path.Combine(_temp, "fifo");
        Assert.That(Hosting.ProcessRunner.Run("mkfifo", [fifo], _temp, TimeSpan.FromSeconds(5)).ExitCode, Is.Zero);
        var directory = Directory.CreateDirectory(Path.Combine(_temp, "lists")).FullName;
        var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(Spec(piped, fifo, "/dev/null", directory)))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Errors, Has.One.StartWith($"TargetFiles {piped} is a pipe or FIFO, not a regular file"));
            Assert.That(e.Errors, Has.One.StartWith($"TargetFiles {fifo} is a pipe or FIFO, not a regular file"), "a FIFO without a writer is refused, not waited on");
            Assert.That(e.Errors, Has.One.EqualTo("TargetFiles /dev/null is a device, not a regular file: give the path of a saved address list"));
            Assert.That(e.Errors, Has.One.EqualTo($"TargetFiles {directory} is a directory: give the path of an address list"));
            Assert.That(e.Errors, Has.Count.EqualTo(4));
        });
        Assert.That(TargetHint.First(Spec(fifo)), Is.Null, "the hint does not open a FIFO either");

        var file = File("hits.txt", "2001:db8::1\n2001:db8::2\n");
        var link = Path.Combine(_temp, "link.txt");
        System.IO.File.CreateSymbolicLink(link, file);
        Assert.That(TargetList.Load(Spec(link)).Count, Is.EqualTo(2), "a symbolic link to a regular file is read");
    }

    [Test]
    public void A_file_that_shrinks_or_grows_between_the_passes_is_refused_and_blames_no_other_file()
    {
        var shrinks = File("shrinks.txt", "2001:db8::1\n2001:db8::2\n2001:db8::3\n");
        var grows = File("grows.txt", "2001:db8::4\n");
        var steady = File("steady.txt", "2001:db8::5\n2001:db8::6\n");
        var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(Spec(shrinks, grows, steady), afterCounting: () =>
        {
            System.IO.File.WriteAllText(shrinks, "2001:db8::1\n");
            System.IO.File.AppendAllText(grows, "2001:db8::7\n2001:db8::8\n");
        }))!;
        Assert.That(e.Errors, Is.EqualTo(new[]
        {
            "TargetFiles shrinks.txt changed while it was read (it held 3 address lines a moment before, now 1): read it again once it is complete",
            "TargetFiles grows.txt changed while it was read (it held 1 address lines a moment before, now more): read it again once it is complete",
        }));
    }

    [Test]
    public void Counting_stops_at_the_cap_so_an_endless_file_is_refused_without_reading_it_to_the_end()
    {
        // Eleven addresses, then 3 MiB of comments, then a NUL byte: a count that read on would find the NUL.
        var path = Path.Combine(_temp, "endless.txt");
        using (var stream = System.IO.File.Create(path))
        {
            stream.Write(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(1, 11).Select(k => $"2001:db8::{k:x}\n"))));
            var comments = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("# more to come\n", 1 << 12)));
            for (var k = 0; k < 48; k++)
                stream.Write(comments);
            stream.WriteByte(0);
        }

        var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(Spec(path), maxAddresses: 10))!;
        Assert.That(e.Errors, Is.EqualTo(new[] { "TargetFiles hold more than 10 address lines (counting stopped at the cap in endless.txt); at most 10 are allowed: split the list into several scans" }));
    }

    [Test]
    public void A_file_that_is_not_an_address_list_gets_one_error_with_an_excerpt_of_its_first_line()
    {
        var secret = File("shadow", string.Concat(Enumerable.Range(0, 30).Select(k => $"user{k}:$6$saltsalt${new string('h', 80)}:19000:0:99999:7:::\n")));
        var link = Path.Combine(_temp, "hitlist.txt");
        System.IO.File.CreateSymbolicLink(link, secret);
        var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(Spec(link)))!;
        Assert.That(e.Errors, Is.EqualTo(new[]
        {
            $"TargetFiles hitlist.txt does not look like an address list (line 1: 'user0:$6$saltsalt${new string('h', 30)}{InputText.Ellipsis}' is not an IPv6 address): a targets file holds one IPv6 address per line",
        }));
    }

    [Test]
    public void A_bad_line_is_echoed_as_an_escaped_excerpt_and_a_mostly_good_file_still_lists_its_bad_lines()
    {
        var file = File("mixed.txt", $"2001:db8::1\n{new string('x', 4000)}\n2001:db8::2 \u001b[2J{new string('y', 100)}\n\u200b2001:db8::3\n2001:db8::4\n");
        var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(Spec(file)))!;
        Assert.That(e.Errors, Is.EqualTo(new[]
        {
            $"TargetFiles mixed.txt: line 2: '{new string('x', InputText.ExcerptLength)}{InputText.Ellipsis}' is not an IPv6 address",
            $"TargetFiles mixed.txt: line 3: unexpected '\\x1b[2J{new string('y', InputText.ExcerptLength - 7)}{InputText.Ellipsis}' after '2001:db8::2': a line holds one address and an optional # comment",
            "TargetFiles mixed.txt: line 4: '\\u{200b}2001:db8::3' is not an IPv6 address",
        }));
    }

    [Test]
    public void Every_file_error_comes_at_once_with_the_bad_lines_of_the_files_that_could_be_read()
    {
        var binary = Path.Combine(_temp, "image.bin");
        System.IO.File.WriteAllBytes(binary, [.. "2001:db8::1\n"u8, 0x00]);
        var overlong = File("long.txt", "# " + new string('x', TargetListFile.MaxLineBytes + 1) + "\n");
        var big = File("big.txt", string.Concat(Enumerable.Range(1, 12).Select(k => $"2001:db8::{k:x}\n")));
        var bad = File("bad.txt", "2001:db8::1\n2001:db8::zz\n");
        var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(Spec(binary, Path.Combine(_temp, "missing.txt"), overlong, big, bad), maxAddresses: 10))!;
        Assert.That(e.Errors, Is.EquivalentTo(new[]
        {
            "TargetFiles image.bin looks binary (NUL byte at offset 12): a targets file is text, one address per line",
            $"TargetFiles {Path.Combine(_temp, "missing.txt")}: no such file",
            $"TargetFiles long.txt: line 1 is longer than {TargetListFile.MaxLineBytes} bytes: a targets file holds one address per line",
            "TargetFiles hold more than 10 address lines (counting stopped at the cap in big.txt); at most 10 are allowed: split the list into several scans",
            "TargetFiles bad.txt: line 2: '2001:db8::zz' is not an IPv6 address",
        }));
    }

    [Test]
    public void A_spec_error_and_the_files_errors_come_together()
    {
        var bad = File("bad.txt", "2001:db8::zz\n");
        var spec = Spec(bad) with { Shard = new ShardSpec(5, 2) };
        var e = Assert.Throws<TargetSpecException>(() => Streams.Cpu().Open(spec))!;
        Assert.That(e.Errors, Is.EqualTo(new[]
        {
            "shard 5/2 is invalid: the index must be 0 to N-1 and N at least 1",
            "TargetFiles bad.txt: line 1: '2001:db8::zz' is not an IPv6 address",
        }));
    }

    [Test]
    public void A_path_with_a_nul_character_is_a_spec_error_not_an_exception_from_the_file_system()
    {
        var spec = Spec("hits\0.txt");
        Assert.That(spec.Validate(), Is.EqualTo(new[] { "TargetFiles[0] 'hits\\x00.txt' holds a NUL character, which no file path can: give the path of an address list" }));
        var e = Assert.Throws<TargetSpecException>(() => Streams.Cpu().Open(spec))!;
        Assert.That(e.Errors, Has.Count.EqualTo(1));
        Assert.That(TargetHint.First(spec), Is.Null);
    }

    [Test]
    public void A_byte_order_mark_is_skipped_a_0128_length_is_a_128_and_lines_are_capped_alike_with_or_without_cr()
    {
        var bom = Path.Combine(_temp, "bom.txt");
        System.IO.File.WriteAllBytes(bom, [.. "\uFEFF"u8, .. "2001:db8::1\n2001:db8::2/0128\n"u8]);
        var list = TargetList.Load(Spec(bom));
        Assert.That(list.Addresses.AsSpan(0, list.Count).ToArray(), Is.EqualTo(new[] { "2001:db8::1", "2001:db8::2" }.Select(Ipv6Address.Parse)));

        var longest = "# " + new string('x', TargetListFile.MaxLineBytes - 2);
        foreach (var (text, refused) in new[]
        {
            ($"2001:db8::1\n{longest}\n", false), ($"2001:db8::1\r\n{longest}\r\n", false), ($"2001:db8::1\n{longest}", false),
            ($"2001:db8::1\n{longest}x\n", true), ($"2001:db8::1\r\n{longest}x\r\n", true), ($"2001:db8::1\n{longest}x", true), ($"2001:db8::1\n{longest}x\r", true),
        })
        {
            var file = File("edge.txt", text);
            if (!refused)
            {
                Assert.That(TargetList.Load(Spec(file)).Count, Is.EqualTo(1), "a line of exactly the cap");
                continue;
            }

            var e = Assert.Throws<TargetSpecException>(() => TargetList.Load(Spec(file)))!;
            Assert.That(e.Errors, Is.EqualTo(new[] { $"TargetFiles edge.txt: line 2 is longer than {TargetListFile.MaxLineBytes} bytes: a targets file holds one address per line" }), "one byte over the cap, CR or not");
        }
    }

    [Test]
    public void The_hint_is_the_first_address_that_is_probed_skipping_excluded_and_blocked_ones()
    {
        var file = File("hits.txt", "# hits\n2001:db8:1::1\n2001:db8:2::1\n2001:db8:3::1\n");
        var spec = Spec(file) with { Exclude = [Ipv6Prefix.Parse("2001:db8:1::/48")] };
        Assert.That(TargetHint.First(spec), Is.EqualTo(Ipv6Prefix.Parse("2001:db8:2::1/128")));
        Assert.That(TargetHint.First(spec with { Exclude = [Ipv6Prefix.Parse("2001:db8:1::/48"), Ipv6Prefix.Parse("2001:db8:2::/48")] }), Is.EqualTo(Ipv6Prefix.Parse("2001:db8:3::1/128")));
        Assert.That(TargetHint.First(spec with { AllowReserved = false }), Is.Null, "every address is in the documentation prefix, which the blocklist holds");
    }

    [Test]
    public void Overlapping_blocklist_entries_count_each_address_once_for_the_most_specific_entry()
    {
        // TEREDO lies inside the IETF Protocol Assignments: an address of it is one blocked address, not two.
        var teredo = ReservedPrefixes.Default.Single(r => r.Name == "TEREDO");
        var ietf = ReservedPrefixes.Default.Single(r => r.Name == "IETF Protocol Assignments");
        var inIetfOnly = ietf.Prefix.LastAddress;
        var file = File("reserved.txt", $"{Ipv6Address.Format(teredo.Prefix.Network + 1)}\n{Ipv6Address.Format(teredo.Prefix.Network + 2)}\n{Ipv6Address.Format(inIetfOnly)}\n2001:db8::1\n");
        var list = TargetList.Load(Spec(file) with { AllowReserved = false });
        Assert.That(list.Warnings[0], Is.EqualTo(
            $"4 addresses of the targets files lie in the blocklist (1 in {ietf}, 2 in {teredo}, 1 in {ReservedPrefixes.Default.Single(r => r.Prefix.ToString() == "2001:db8::/32")}): they are not scanned (AllowReserved lifts the blocklist, for labs)"));

        var lifted = TargetList.Load(Spec(file));
        Assert.That(lifted.Count, Is.EqualTo(4));
        Assert.That(lifted.Warnings, Has.One.StartWith("the targets files hold reserved addresses (1 in ").And.EndWith("they are scanned, since AllowReserved lifts the blocklist (for labs)"), "lifting the blocklist is said as for prefixes");
    }

    private static TargetSpec Spec(params string[] files) => new() { TargetFiles = files, Seed = 7, AllowReserved = true };

    private string File(string name, string text)
    {
        var path = Path.Combine(_temp, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }
}
