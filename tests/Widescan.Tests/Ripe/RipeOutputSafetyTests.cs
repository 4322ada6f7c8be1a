using System.CommandLine;
using System.Text;
using Widescan.Host.Commands;
using Widescan.Host.Output;

namespace Widescan.Tests.Ripe;

/// <summary>
/// <c>widescan ripe</c> never replaces what is not a regular file, and an input it cannot read to its
/// end (binary, truncated, header-only or damaged gzip) exits 1 and leaves --output as it was.
/// </summary>
public class RipeOutputSafetyTests
{
    private const string Old = "# the list of yesterday\n2001:db8::/32\n";
    private string directory = "";

    [SetUp]
    public void CreateDirectory() => directory = Directory.CreateTempSubdirectory("widescan-ripe-safety-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    [Test]
    public void ADeviceOrFifoOutputIsRefusedAndLeftWhatItIs()
    {
        var dump = Write("ripe.db.inet6num", Dump(40));
        var fifo = Path.Combine(directory, "fifo");
        Assert.That(Hosting.ProcessRunner.Run("mkfifo", [fifo], directory, TimeSpan.FromSeconds(10)).ExitCode, Is.Zero);

        foreach (var (path, kind) in new[] { ("/dev/full", "a character device"), (fifo, "a FIFO"), (directory, "a directory") })
        {
            var (exit, stdout, stderr) = Invoke("ripe", "--file", dump, "--output", path);
            Assert.That(exit, Is.EqualTo(2), stderr);
            Assert.That(stderr, Does.StartWith($"error: --output {path} is {kind}, not a regular file: ").And.Contain($"> {path}"));
            Assert.That(stdout, Is.Empty);
            Assert.That(FileIdentity.Of(path)!.Value.Kind, Is.EqualTo(kind), "the node itself is still there");
            Assert.That(TemporaryFiles.Beside(path), Is.Empty);
        }
    }

    [Test]
    public void ASymbolicLinkStaysAndItsTargetGetsTheList()
    {
        var dump = Write("ripe.db.inet6num", Dump(40));
        var target = Write("real.txt", Old);
        var link = Path.Combine(directory, "list.txt");
        File.CreateSymbolicLink(link, target);

        var (exit, _, stderr) = Invoke("ripe", "--file", dump, "--output", link);

        Assert.That(exit, Is.Zero, stderr);
        Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(target), "the link is a link still");
        Assert.That(File.ReadAllLines(target), Has.Length.EqualTo(41), "the header and one line per object");
    }

    [TestCase("truncated", "the gzip stream ends early")]
    [TestCase("header-only", "too short to hold any data")]
    [TestCase("damaged", "the gzip stream is")]
    [TestCase("crc", "the gzip stream is broken")]
    [TestCase("binary", "looks binary (NUL byte at offset 1000)")]
    public void AnInputThatCannotBeReadToItsEndExitsOneAndKeepsTheOldList(string how, string message)
    {
        var plain = Dump(400);
        var gzip = RpslFixture.Gzip(plain);
        var data = how switch
        {
            "truncated" => gzip[..(gzip.Length * 6 / 10)],
            "header-only" => gzip[..10],
            "damaged" => Flip(gzip, gzip.Length / 2),
            "crc" => Flip(gzip, gzip.Length - 6),
            _ => [.. plain[..1000], 0, .. plain[1000..]],
        };
        var dump = Write("ripe.db.inet6num.gz", data);
        var output = Write("list.txt", Old);

        var (exit, _, stderr) = Invoke("ripe", "--file", dump, "--output", output);

        Assert.That(exit, Is.EqualTo(1), stderr);
        Assert.That(stderr, Does.Contain($"error: {dump}: ").And.Contain(message));
        Assert.That(stderr, Does.Contain($"error: an input could not be read to its end: {output} was left as it was"));
        Assert.That(File.ReadAllText(output), Is.EqualTo(Old));
        Assert.That(TemporaryFiles.Beside(output), Is.Empty);

        var (toStdout, _, stdoutErrors) = Invoke("ripe", "--file", dump);
        Assert.That(toStdout, Is.EqualTo(1), "written to stdout, the list is incomplete: still not 0");
        Assert.That(stdoutErrors, Does.Contain("the list on stdout is incomplete"));
    }

    [Test]
    public void AWholeGzipDumpStillImports()
    {
        var dump = Write("ripe.db.inet6num.gz", RpslFixture.Gzip(Dump(400)));
        var (exit, stdout, stderr) = Invoke("ripe", "--file", dump);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(401));
    }

    private static byte[] Flip(byte[] data, int at)
    {
        var copy = data.ToArray();
        copy[at] ^= 0x5a;
        copy[at + 1] ^= 0x21;
        return copy;
    }

    private static byte[] Dump(int count)
    {
        var fixture = new RpslFixture(seed: 3);
        foreach (var model in RpslFixture.Models(count))
            fixture.Write(model);
        return fixture.ToArray();
    }

    private string Write(string name, byte[] data)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    private static (int Exit, string Stdout, string Stderr) Invoke(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = new RootCommand { RipeCommand.Create() }.Parse(args).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
