using System.Runtime.Versioning;
using Widescan.Contracts;

namespace Widescan.Tests.Prefixes;

/// <summary>
/// <c>widescan prefixes</c> on canned result files: the exact prefix list for each type and length,
/// windows, dedup and order across files, and bad input named by file and line with nothing written.
/// </summary>
public class PrefixesCommandTests
{
    // A run of every record type, as scan and listen write them (plus ones this version does not know).
    private const string Results =
        """
        {"type":"run","version":2,"command":"scan","shard":"1/1","seed":"0x0000000000000001","startCursor":0,"nodeId":"00000000000000000000000000000001","time":"2026-12-01T18:00:00.000Z"}
        {"type":"alive","address":"2001:db8:0:1200::1","rttMs":1.5,"time":"2026-12-01T18:00:00.100Z"}
        {"type":"alive","address":"2001:db8:0:12ff::9","rttMs":1.5,"time":"2026-12-01T18:00:00.101Z"}
        {"type":"alive","address":"2001:db8:0:1201::1","rttMs":1.5,"time":"2026-12-01T18:00:00.102Z"}
        {"type":"alive","address":"2001:db8:5::1","rttMs":1.5,"time":"2026-12-01T18:00:00.103Z"}
        {"type":"peer","address":"2001:db8:7:3400::abcd","rttMs":null,"time":"2026-12-01T18:00:00.200Z","nodeId":"00000000000000000000000000000002","port":4242,"authenticated":true,"how":"announced"}
        {"type":"unreachable","address":"2001:db8:9:1::77","router":"2001:db8:9::1","icmpType":1,"code":3,"time":"2026-12-01T18:00:00.300Z"}
        {"type":"aliased","prefix":"2001:db8:a:b::/64","time":"2026-12-01T18:00:00.400Z"}
        {"type":"someday","address":"not even an address"}
        {"type":"summary","status":"complete","sent":10,"time":"2026-12-01T18:00:01.000Z"}

        """;

    private string directory = "";

    [SetUp]
    public void CreateDirectory() => directory = Directory.CreateTempSubdirectory("widescan-prefixes-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    [TestCase("alive", 48, "2001:db8::/48", "2001:db8:5::/48")]
    [TestCase("alive", 56, "2001:db8:0:1200::/56", "2001:db8:5::/56")]
    [TestCase("alive", 64, "2001:db8:0:1200::/64", "2001:db8:0:1201::/64", "2001:db8:0:12ff::/64", "2001:db8:5::/64")]
    [TestCase("peer", 56, "2001:db8:7:3400::/56")]
    [TestCase("unreachable", 64, "2001:db8:9:1::/64")]
    [TestCase("aliased", 64, "2001:db8:a:b::/64")]
    [TestCase("aliased", 48, "2001:db8:a::/48")]
    [TestCase("aliased", 80, "2001:db8:a:b::/64")] // wider than /N: kept whole, not cut to its first /80
    [TestCase("alive,peer", 48, "2001:db8::/48", "2001:db8:5::/48", "2001:db8:7::/48")]
    public void EachTypeAndLengthGivesItsPrefixesSorted(string types, int length, params string[] expected)
    {
        var results = Write("results.jsonl", Results);
        var run = CliRun.Run("prefixes", "--from", results, "--type", types, "--length", $"{length}");
        Assert.That(run.Code, Is.Zero, run.ToString());
        Assert.That(Lines(run.Output), Is.EqualTo(expected), run.ToString());
        Assert.That(run.Error, Does.Contain($"{expected.Length} prefixes (/{length})"));
    }

    [Test]
    public void WindowIsWrittenOnEveryLineAndTheListReadsAsAPrefixFile()
    {
        var results = Write("results.jsonl", Results);
        var run = CliRun.Run("prefixes", "--from", results, "--type", "alive", "--type", "peer", "--length", "56", "--window", "64");
        Assert.That(run.Code, Is.Zero, run.ToString());
        Assert.That(Lines(run.Output), Is.EqualTo(new[]
        {
            "2001:db8:0:1200::/56 window=/64", "2001:db8:5::/56 window=/64", "2001:db8:7:3400::/56 window=/64",
        }));

        var read = PrefixList.Read(new StringReader(run.Output));
        Assert.That(read.Errors, Is.Empty);
        Assert.That(read.Entries.Select(e => (e.Prefix.ToString(), e.SubnetBits)), Is.EqualTo(new[]
        {
            ("2001:db8:0:1200::/56", (int?)64), ("2001:db8:5::/56", 64), ("2001:db8:7:3400::/56", 64),
        }));
    }

    [Test]
    public void SeveralFilesAreMergedDedupedAndSortedAndAWiderPrefixCoversWhatIsInIt()
    {
        var first = Write("a.jsonl", Alive("2001:db8:ff::1") + Alive("2001:db8:1::5") + Alive("2001:db8:1::6"));
        var second = Write("b.jsonl", Alive("2001:db8:1::7") + Alive("2001:db8::1") + Alive("2001:db8:a:b::1") +
            "{\"type\":\"aliased\",\"prefix\":\"2001:db8:a::/48\"}\n");
        var run = CliRun.Run("prefixes", "--from", first, "--from", second, "--from", first, "--type", "alive,aliased", "--length", "64");
        Assert.That(run.Code, Is.Zero, run.ToString());
        Assert.That(Lines(run.Output), Is.EqualTo(new[] { "2001:db8::/64", "2001:db8:1::/64", "2001:db8:a::/48", "2001:db8:ff::/64" }));
    }

    [Test]
    public void EveryMalformedLineOfEveryFileIsNamedAndNothingIsWritten()
    {
        var bad = Write("bad.jsonl", Alive("2001:db8::1") + "[1,2]\n" + "{\"type\":\"alive\"}\n" + "{\"address\":\"2001:db8::2\"}\n" +
            "{\"type\":\"alive\",\"address\":\"2001:db8::zz\"}\n" + "{\"type\":\"aliased\",\"prefix\":7}\n" + "not json\n" + Alive("2001:db8::3"));
        var other = Write("other.jsonl", "{\"type\":\"peer\"}\n");
        var output = Write("list.txt", "2001:db8::/32\n");
        var run = CliRun.Run("prefixes", "--from", bad, "--from", other, "--type", "alive,aliased,peer", "--length", "64", "--window", "48", "--output", output);
        Assert.That(run.Code, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Is.Empty);
        Assert.That(run.Error, Does.Contain("--window 48 is shorter than --length 64"));
        Assert.That(run.Error, Does.Contain($"--from {bad}: line 2: not a JSON object but an array"));
        Assert.That(run.Error, Does.Contain($"--from {bad}: line 3: an alive record without an \"address\" string"));
        Assert.That(run.Error, Does.Contain($"--from {bad}: line 4: a record without a \"type\" string"));
        Assert.That(run.Error, Does.Contain($"--from {bad}: line 5: \"address\" '2001:db8::zz' is not an IPv6 address"));
        Assert.That(run.Error, Does.Contain($"--from {bad}: line 6: an aliased record without a \"prefix\" string"));
        Assert.That(run.Error, Does.Contain($"--from {bad}: line 7: not a JSON record"));
        Assert.That(run.Error, Does.Contain($"--from {other}: line 1: a peer record without an \"address\" string"));
        Assert.That(run.Error, Does.Not.Contain($"{bad}: line 1:").And.Not.Contain($"{bad}: line 8"), "the good lines are not named");
        Assert.That(File.ReadAllText(output), Is.EqualTo("2001:db8::/32\n"), "the old list is left as it was");
        Assert.That(TemporaryFiles.Beside(output), Is.Empty);
    }

    [Test]
    public void BadFlagsAreAllListed()
    {
        var run = CliRun.Run("prefixes", "--type", "alive,bogus", "--length", "129", "--from", Path.Combine(directory, "missing.jsonl"));
        Assert.That(run.Code, Is.EqualTo(2), run.ToString());
        Assert.That(run.Error, Does.Contain("--type 'bogus' is not a result type"));
        Assert.That(run.Error, Does.Contain("--length 129 is out of range (1-128)"));
        Assert.That(run.Error, Does.Contain("missing.jsonl"));
    }

    [Test]
    public void AFlagTheParserRefusesIsListedWithTheCommandsOwnErrors()
    {
        var run = CliRun.Run("prefixes", "--length", "abc", "--type", "bogus", "--from", Write("r.jsonl", Results));
        Assert.That(run.Code, Is.EqualTo(2), run.ToString());
        Assert.That(run.Error, Does.Contain("'abc'").And.Contain("--length"));
        Assert.That(run.Error, Does.Contain("widescan prefixes: --type 'bogus' is not a result type"));
    }

    [Test]
    public void ABinaryFileOrAnOverLongLineIsRefusedByName()
    {
        var binary = Path.Combine(directory, "image.jsonl");
        File.WriteAllBytes(binary, [.. System.Text.Encoding.UTF8.GetBytes(Alive("2001:db8::1")), 0x89, 0x00, 0x50, 0x4e, 0x47, (byte)'\n']);
        var long_ = Write("long.jsonl", Alive("2001:db8::1") + "{\"type\":\"alive\",\"pad\":\"" + new string('x', 70_000) + "\"}\n");
        var run = CliRun.Run("prefixes", "--from", binary, "--from", long_, "--type", "alive", "--length", "64");
        Assert.That(run.Code, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Is.Empty);
        Assert.That(run.Error, Does.Contain($"--from {binary} looks binary (NUL byte at offset "));
        Assert.That(run.Error, Does.Contain($"--from {long_}: line 2 is longer than 65536 bytes"));
    }

    [Test]
    public void ATornLastRecordIsSkippedWithAWarningButATornMiddleLineIsAnError()
    {
        var torn = Write("torn.jsonl", Alive("2001:db8:1::1") + Alive("2001:db8:2::1") + "{\"type\":\"alive\",\"address\":\"2001:db8:3:");
        var run = CliRun.Run("prefixes", "--from", torn, "--type", "alive", "--length", "64");
        Assert.That(run.Code, Is.Zero, run.ToString());
        Assert.That(Lines(run.Output), Is.EqualTo(new[] { "2001:db8:1::/64", "2001:db8:2::/64" }));
        Assert.That(run.Error, Does.Contain($"warning: --from {torn}: line 3 is a torn last record"));

        // The same bad line with a newline after it was written whole: it is not a crash's tail.
        var whole = Write("whole.jsonl", Alive("2001:db8:1::1") + "{\"type\":\"alive\",\"address\":\"2001:db8:3:\n");
        run = CliRun.Run("prefixes", "--from", whole, "--type", "alive", "--length", "64");
        Assert.That(run.Code, Is.EqualTo(2), run.ToString());
        Assert.That(run.Error, Does.Contain($"--from {whole}: line 2: not a JSON record"));
    }

    [Test]
    [UnsupportedOSPlatform("windows")] // the mode check; CI is Linux
    public void OutputFileIsReplacedWholeOnSuccessAndLeftOnFailure()
    {
        var results = Write("results.jsonl", Results);
        var output = Write("list.txt", "# yesterday\n2001:db8::/32\n");
        File.SetUnixFileMode(output, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var run = CliRun.Run("prefixes", "--from", results, "--type", "unreachable", "--length", "56", "--output", output);
        Assert.That(run.Code, Is.Zero, run.ToString());
        Assert.That(run.Output, Is.Empty);
        Assert.That(File.ReadAllText(output), Is.EqualTo("2001:db8:9::/56\n"));
        Assert.That(File.GetUnixFileMode(output), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));

        var broken = Write("broken.jsonl", Results + "{\"type\":\"unreachable\",\"address\":\"2001:db8::g\"}\n");
        run = CliRun.Run("prefixes", "--from", broken, "--type", "unreachable", "--length", "64", "--output", output);
        Assert.That(run.Code, Is.EqualTo(2), run.ToString());
        Assert.That(run.Error, Does.Contain($"--from {broken}: line 11: \"address\" '2001:db8::g'"));
        Assert.That(File.ReadAllText(output), Is.EqualTo("2001:db8:9::/56\n"), "a failed run leaves the list it would replace");
        Assert.That(Directory.GetFiles(directory).Select(Path.GetFileName), Is.EquivalentTo(new[] { "results.jsonl", "list.txt", "broken.jsonl" }));
    }

    [Test]
    public void ADeviceOutputIsRefused()
    {
        var results = Write("results.jsonl", Results);
        var run = CliRun.Run("prefixes", "--from", results, "--type", "alive", "--length", "64", "--output", "/dev/full");
        Assert.That(run.Code, Is.EqualTo(2), run.ToString());
        Assert.That(run.Error, Does.Contain("--output /dev/full is a character device, not a regular file"));
    }

    private static string Alive(string address) => $"{{\"type\":\"alive\",\"address\":\"{address}\",\"rttMs\":1.0,\"time\":\"2026-12-01T18:00:00.000Z\"}}\n";

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private string Write(string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        return path;
    }
}
