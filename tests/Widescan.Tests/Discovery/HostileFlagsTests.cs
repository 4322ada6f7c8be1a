using Widescan.Host;
using Widescan.Tests.Hosting;

namespace Widescan.Tests.Discovery;

/// <summary>
/// Hostile files and bad flags through the whole command line (in this process): each ends in its
/// exit code and one clear line per problem, every problem of the line at once, nothing raw from the
/// input on the terminal. Nothing here gets as far as loading a plugin.
/// </summary>
public class HostileFlagsTests
{
    private string temp = null!;

    [OneTimeSetUp]
    public void CreateTemp() => temp = Directory.CreateTempSubdirectory("widescan-hostile-").FullName;

    [OneTimeTearDown]
    public void DeleteTemp() => Directory.Delete(temp, recursive: true);

    [Test]
    public void DevZeroAsAPrefixFileIsOneErrorBesideTheOthers()
    {
        var run = CliRun.Run("scan", "--prefix-file", "/dev/zero", "--rate", "0");
        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
        Assert.That(Lines(run), Is.EqualTo(new[]
        {
            "widescan scan: --prefix-file /dev/zero looks binary (NUL byte at offset 0)",
            "widescan scan: rate 0 must be at least 1 probe per second",
        }));
    }

    [Test]
    public void AnOverlongLineEndsTheFileWithItsLineNumber()
    {
        var file = Write("long.txt", "2001:db8::/48\n" + new string('a', 5000) + "\n2001:db8:1::/48\n");
        var run = CliRun.Run("generate", "--prefix-file", file, "--allow-reserved");
        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
        Assert.That(Lines(run), Is.EqualTo(new[] { $"widescan generate: --prefix-file {file}: line 2 is longer than 4096 bytes" }));
        Assert.That(run.Output, Is.Empty, "no target was written");
    }

    [Test]
    public void ABinaryFileIsOneErrorNotALineOfGarbageEach()
    {
        // Random bytes with ESC, CSI and line breaks, a NUL at 3000: what a binary file looks like to a line reader.
        var random = new Random(5);
        var data = new byte[8192];
        random.NextBytes(data);
        for (var i = 0; i < data.Length; i++)
            data[i] = data[i] == 0 ? (byte)0x1b : data[i];
        for (var i = 0; i < data.Length; i += 40)
            data[i] = (byte)'\n';
        data[3001] = 0;
        var file = Path.Combine(temp, "image.bin");
        File.WriteAllBytes(file, data);

        var run = CliRun.Run("scan", "--prefix-file", file, "--allow-reserved");

        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
        Assert.That(Lines(run), Is.EqualTo(new[] { $"widescan scan: --prefix-file {file} looks binary (NUL byte at offset 3001)" }));
    }

    [Test]
    public void ControlCharactersAreEscapedAndBadLinesCappedAtTwenty()
    {
        var file = Write("esc.txt", string.Concat(Enumerable.Repeat("\u001b[31mred\u009b2J\n", 30)) + "2001:db8::/120\n");
        var run = CliRun.Run("scan", "--prefix-file", file, "--allow-reserved");

        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
        Assert.That(run.Error.IndexOfAny(['\u001b', '\u009b']), Is.EqualTo(-1), "no raw ESC or CSI reaches the terminal");
        var lines = Lines(run);
        Assert.That(lines, Has.Length.EqualTo(21));
        Assert.That(lines[0], Is.EqualTo("widescan scan: --prefix-file esc.txt: line 1: '\\x1b[31mred\\x9b2J' is not an IPv6 prefix"));
        Assert.That(lines[19], Does.StartWith("widescan scan: --prefix-file esc.txt: line 20: "));
        Assert.That(lines[20], Is.EqualTo("widescan scan: --prefix-file esc.txt: and 10 more bad lines not listed"));
    }

    [Test]
    public void AKeyFileLargerThanAnyKeyIsRefusedAfterOneKilobyte()
    {
        var run = CliRun.Run("listen", "--network-key-file", "/dev/zero", "--duration", "1");
        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
        Assert.That(Lines(run), Is.EqualTo(new[]
        {
            "widescan listen: --network-key-file /dev/zero: the file is larger than 1024 bytes; a key is 16 or more random bytes (64 is plenty) or twice as many hex digits",
        }));
    }

    [Test]
    public void ABadPrefixHidesNoOtherProblem()
    {
        var run = CliRun.Run("scan", "--prefix", "bogus", "--rate", "0", "--probes", "0", "--cooldown", "-1", "--subnet-bits", "200");
        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
        Assert.That(Lines(run), Is.EqualTo(new[]
        {
            "widescan scan: --prefix: 'bogus' is not an IPv6 prefix",
            "widescan scan: subnet bits 200 out of range (1-128)",
            "widescan scan: rate 0 must be at least 1 probe per second",
            "widescan scan: probes per target 0 out of range (1-16)",
            "widescan scan: cooldown must not be negative",
        }));
    }

    [Test]
    public void AFlagThatDoesNotParseHidesNoOtherProblem()
    {
        var scan = CliRun.Run("scan", "--prefix", "bogus", "--rate", "0", "--probes", "x", "--max-probes", "-1", "--cooldown", "-1");
        Assert.That(scan.Code, Is.EqualTo(ExitCodes.Usage), scan.ToString);
        Assert.That(Lines(scan), Is.EqualTo(new[]
        {
            "widescan: Cannot parse argument 'x' for option '--probes' as expected type 'System.Int32'.",
            "widescan: Cannot parse argument '-1' for option '--max-probes' as expected type 'System.UInt64'.",
            "widescan scan: --prefix: 'bogus' is not an IPv6 prefix",
            "widescan scan: rate 0 must be at least 1 probe per second",
            "widescan scan: cooldown must not be negative",
            "Run 'widescan --help' for usage.",
        }));

        var generate = CliRun.Run("generate", "--prefix", "2001:db8::1/48", "--count", "many", "--iid", "what");
        Assert.That(generate.Code, Is.EqualTo(ExitCodes.Usage), generate.ToString);
        Assert.That(Lines(generate), Has.Length.EqualTo(4), generate.ToString);
        Assert.That(Lines(generate)[0], Does.StartWith("widescan: Cannot parse argument 'many' for option '--count'"));
        Assert.That(Lines(generate)[1], Does.StartWith("widescan generate: --prefix: 2001:db8::1/48 has host bits set"));
        Assert.That(Lines(generate)[2], Does.StartWith("widescan generate: IID pattern 'what' is not one of"));

        var listen = CliRun.Run("listen", "--duration", "soon", "--node-id", "\u001bx", "--interface", "a/b");
        Assert.That(listen.Code, Is.EqualTo(ExitCodes.Usage), listen.ToString);
        Assert.That(Lines(listen), Is.EqualTo(new[]
        {
            "widescan: Cannot parse argument 'soon' for option '--duration' as expected type 'System.Nullable`1[System.Double]'.",
            "widescan listen: --interface: 'a/b' holds a '/', ':', space or control character, which no interface name does",
            "widescan listen: --node-id: node id '\\x1bx' is not 32 hex digits",
            "Run 'widescan --help' for usage.",
        }));
    }

    [Test]
    public void AnInterfaceNameLinuxCannotHaveIsRefusedEscaped()
    {
        var run = CliRun.Run("scan", "--prefix", "2001:db8::/120", "--allow-reserved", "--interface", "\u001b]0;pwned\u0007");
        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
        Assert.That(Lines(run), Is.EqualTo(new[]
        {
            "widescan scan: --interface: '\\x1b]0;pwned\\x07' holds a '/', ':', space or control character, which no interface name does",
        }));
        Assert.That(Lines(CliRun.Run("listen", "--interface", "averylonginterface0")), Is.EqualTo(new[]
        {
            "widescan listen: --interface: 'averylonginterface0' is longer than 15 bytes, the longest interface name Linux allows",
        }));
    }

    [Test]
    public void StateOutputAndLogFileMustBeThreeFiles()
    {
        var output = Write("results.jsonl", "{\"type\":\"alive\"}\n");
        var symlink = Path.Combine(temp, "state-link");
        File.CreateSymbolicLink(symlink, output);
        var hardLink = Path.Combine(temp, "log-hard");
        Assert.That(Link(output, hardLink), Is.Zero, "ln");
        string[] scan = ["scan", "--prefix", "2001:db8::/120", "--allow-reserved"];

        var same = CliRun.Run([.. scan, "--state", output, "--output", output]);
        var links = CliRun.Run([.. scan, "--state", symlink, "--output", output, "--log-file", hardLink]);
        var notYet = Path.Combine(temp, "not-yet.json");
        var fresh = CliRun.Run([.. scan, "--state", notYet, "--output", notYet]);
        var listen = CliRun.Run("listen", "--output", output, "--log-file", hardLink);
        var generate = CliRun.Run("generate", "--prefix-file", output, "--output", symlink);

        Assert.Multiple(() =>
        {
            foreach (var run in new[] { same, links, fresh, listen, generate })
                Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.ToString);
            Assert.That(Lines(same), Has.One.EqualTo($"widescan scan: --state and --output name the same file, {output}: " +
                "the saved state would overwrite what the other holds, and a resume would read garbage; give each its own file"));
            Assert.That(Lines(links), Has.One.StartsWith($"widescan scan: --state and --output name the same file, {symlink} (also reached as {output}): "));
            Assert.That(Lines(links), Has.One.StartsWith($"widescan scan: --state and --log-file name the same file, {symlink} (also reached as {hardLink}): "));
            Assert.That(Lines(links), Has.One.EqualTo($"widescan scan: --output and --log-file name the same file, {output} (also reached as {hardLink}): " +
                "log lines would be mixed into the results; give each its own file"));
            Assert.That(Lines(fresh), Has.One.StartsWith($"widescan scan: --state and --output name the same file, {notYet}: "));
            Assert.That(Lines(listen), Is.EqualTo(new[] { $"widescan listen: --output and --log-file name the same file, {output} (also reached as {hardLink}): " +
                "log lines would be mixed into the results; give each its own file" }));
            Assert.That(Lines(generate), Has.One.StartsWith($"widescan generate: --output and --prefix-file name the same file, {symlink} (also reached as {output}): "));
        });
        Assert.That(File.ReadAllText(output), Is.EqualTo("{\"type\":\"alive\"}\n"), "nothing was written");
        Assert.That(File.Exists(notYet), Is.False);

        var devices = CliRun.Run("listen", "--output", "/dev/null", "--log-file", "/dev/null", "--duration", "0");
        Assert.That(Lines(devices), Has.None.Contains("name the same file"), "a device may serve twice");
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(temp, name);
        File.WriteAllText(path, text);
        return path;
    }

    private int Link(string existing, string link) => ProcessRunner.Run("ln", [existing, link], temp, TimeSpan.FromSeconds(10)).ExitCode;

    private static string[] Lines(CliRun.Result run) => run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
