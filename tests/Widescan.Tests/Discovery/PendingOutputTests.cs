using System.Text;
using Widescan.Contracts;
using Widescan.Host;
using Widescan.Host.Commands;
using Widescan.Host.Output;

namespace Widescan.Tests.Discovery;

/// <summary>--output is checked before the module runs and changed only once it has started.</summary>
public class PendingOutputTests
{
    private string temp = null!;

    [SetUp]
    public void CreateTemp() => temp = Directory.CreateTempSubdirectory("widescan-pending-").FullName;

    [TearDown]
    public void DeleteTemp() => Directory.Delete(temp, recursive: true);

    [Test]
    public void AnExistingFileIsUntouchedUntilCommittedThenTruncatedOrAppendedTo()
    {
        var path = Path.Combine(temp, "r.jsonl");
        File.WriteAllText(path, "old results\n");
        using (PendingOutput.Prepare(new FileInfo(path), append: false))
        {
            // Prepared and abandoned: a run that failed before its first event.
        }

        Assert.That(File.ReadAllText(path), Is.EqualTo("old results\n"));

        using (var appended = PendingOutput.Prepare(new FileInfo(path), append: true))
            appended.Commit(TextWriter.Null, out _).Write("more\n"u8);
        Assert.That(File.ReadAllText(path), Is.EqualTo("old results\nmore\n"));

        using (var fresh = PendingOutput.Prepare(new FileInfo(path), append: false))
        {
            var stream = fresh.Commit(TextWriter.Null, out var live);
            Assert.That(live, Is.False, "a regular file is batched");
            Assert.That(File.ReadAllText(path), Is.Empty, "truncated at the commit");
            stream.Write("new\n"u8);
        }

        Assert.That(File.ReadAllText(path), Is.EqualTo("new\n"));
    }

    [Test]
    public void AResumeCutsTheTornLastRecordOnlyOnceItCommits()
    {
        var path = Path.Combine(temp, "r.jsonl");
        File.WriteAllText(path, "{\"type\":\"alive\"}\n{\"type\":\"al");
        using (PendingOutput.Prepare(new FileInfo(path), append: true))
        {
            // A resume that failed before its first event changes nothing, the torn tail included.
        }

        Assert.That(File.ReadAllText(path), Is.EqualTo("{\"type\":\"alive\"}\n{\"type\":\"al"));
        using (var resumed = PendingOutput.Prepare(new FileInfo(path), append: true))
            resumed.Commit(TextWriter.Null, out _).Write("{\"type\":\"peer\"}\n"u8);
        Assert.That(File.ReadAllText(path), Is.EqualTo("{\"type\":\"alive\"}\n{\"type\":\"peer\"}\n"));
    }

    [Test]
    public void ADeviceIsWrittenAsItIsNeitherTruncatedNorCut()
    {
        using var device = PendingOutput.Prepare(new FileInfo("/dev/null"), append: false);
        Assert.DoesNotThrow(() => device.Commit(TextWriter.Null, out _).Write("x\n"u8), "ftruncate on a device is EINVAL: it must not be tried");
    }

    [Test]
    public void AFileThisRunMadeIsRemovedWhenTheRunNeverStarted()
    {
        var path = Path.Combine(temp, "new.jsonl");
        using (PendingOutput.Prepare(new FileInfo(path), append: false))
            Assert.That(File.Exists(path), Is.True, "made up front, so a missing directory or permission shows before the run");
        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public void AnUnwritableDestinationFailsAtPrepare()
    {
        Assert.Throws<DirectoryNotFoundException>(() => PendingOutput.Prepare(new FileInfo(Path.Combine(temp, "no", "such.jsonl")), append: false));
    }

    [Test]
    public void TheDriverOpensTheOutputAtTheFirstEventOnly()
    {
        var opened = 0;
        ResultWriter? writer = null;
        using var stream = new MemoryStream();
        ResultWriter Open()
        {
            opened++;
            return writer = new ResultWriter(stream, ResultFormat.Jsonl, flushEachRecord: false);
        }

        var options = new WidescanOptions { Targets = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/120")], AllowReserved = true } };
        var failing = new FakeModule([], new MissingPrivilegeException("CAP_NET_RAW", "CAP_NET_RAW is missing"));
        var code = new DiscoveryDriver("widescan scan", TextWriter.Null, Open, progress: null)
            .RunAsync(failing, options, CancellationToken.None, () => false).GetAwaiter().GetResult();
        Assert.That(code, Is.EqualTo(ExitCodes.NoPermission));
        Assert.That(opened, Is.Zero, "a run that failed before its first event never opened its output");

        var alive = new HostAlive(DateTimeOffset.UnixEpoch, Ipv6Address.Parse("2001:db8::1"), TimeSpan.FromMilliseconds(1));
        var working = new FakeModule([alive, new ScanFinished(DateTimeOffset.UnixEpoch, new DiscoverySummary())]);
        code = new DiscoveryDriver("widescan scan", TextWriter.Null, Open, progress: null)
            .RunAsync(working, options, CancellationToken.None, () => false).GetAwaiter().GetResult();
        writer!.Dispose();
        Assert.That(code, Is.EqualTo(ExitCodes.Ok));
        Assert.That(opened, Is.EqualTo(1));
        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.StartWith("{\"type\":\"run\""), "the run record, written once the output is committed");
        Assert.That(lines[1], Does.StartWith("{\"type\":\"alive\",\"address\":\"2001:db8::1\""));
    }
}
