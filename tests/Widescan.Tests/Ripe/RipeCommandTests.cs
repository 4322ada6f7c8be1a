using System.CommandLine;
using Widescan.Contracts;
using Widescan.Host.Commands;

namespace Widescan.Tests.Ripe;

public class RipeCommandTests
{
    private static readonly List<Inet6numModel> Models = RpslFixture.Models(300);
    private string directory = "";

    [SetUp]
    public void CreateDirectory() =>
        directory = Directory.CreateTempSubdirectory("widescan-ripe-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    private static (int Exit, string Stdout, string Stderr) Invoke(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = new RootCommand { RipeCommand.Create() }.Parse(args)
            .Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private string WriteFile(string name, byte[] data)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private string WriteDump(bool gzip, string name = "ripe.db.inet6num")
    {
        var fixture = new RpslFixture(seed: 31);
        foreach (var model in Models)
            fixture.Write(model);
        fixture.Raw("inet6num: 2001:db8::1/48", "netname: BROKEN");
        fixture.Write(Models[0] with { Netname = "AFTER-BROKEN" });
        return WriteFile(gzip ? name + ".gz" : name, gzip ? fixture.ToGzip() : fixture.ToArray());
    }

    [Test]
    public void WritesAPrefixListFileAndASummaryToStderr()
    {
        var dump = WriteDump(gzip: true);
        var output = Path.Combine(directory, "targets.txt");

        var (exit, stdout, stderr) = Invoke("ripe", "--file", dump, "--country", "NL", "--country", "de", "--output", output);

        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stdout, Is.Empty);
        var list = PrefixList.Read(new StringReader(File.ReadAllText(output)));
        Assert.That(list.Errors, Is.Empty);
        var expected = Models.Where(m => m.Country is "NL" or "DE").Select(m => new PrefixListEntry(m.Prefix, m.AssignmentSize, $"{m.Netname} {m.Country}"))
            .Append(new PrefixListEntry(Models[0].Prefix, Models[0].AssignmentSize, $"AFTER-BROKEN {Models[0].Country}"))
            .ToList();
        Assert.That(list.Entries, Is.EqualTo(expected));
        Assert.That(stderr, Does.Contain($"objects read: {Models.Count + 2}, matched: {expected.Count}, malformed: 1"));
        Assert.That(stderr, Does.Contain($"prefixes: {expected.Count}, total targets: "));
        Assert.That(stderr, Does.Match(@"malformed: .*ripe\.db\.inet6num\.gz:\d+: inet6num: 2001:db8::1/48 has host bits set"));
        Assert.That(TemporaryFiles.Beside(output), Is.Empty);
    }

    [Test]
    public void WritesToStdoutByDefaultAndAppliesEveryOption()
    {
        var dump = WriteDump(gzip: false);
        var routes = WriteFile("ripe.db.route6", new RpslFixture(seed: 32)
            .Route6("2001:db8::/40", "AS64500")
            .Route6("2001:db8:100::/40", "AS64501")
            .ToArray());

        var (exit, stdout, stderr) = Invoke("ripe", "--file", dump, "--route6-file", routes, "--origin", "AS64500",
            "--announced-only", "--status", "ASSIGNED", "--status", "ALLOCATED-BY-LIR", "--netname", "^example-net-\\d+$",
            "--descr", "customer", "--org", "ORG-EX1-RIPE,ORG-EX3-RIPE", "--mnt-by", "EXAMPLE-MNT", "--min-length", "44", "--max-length", "48");

        Assert.That(exit, Is.Zero, stderr);
        var list = PrefixList.Read(new StringReader(stdout));
        var expected = Models.Where(m => m.Status is "ASSIGNED" or "ALLOCATED-BY-LIR" && m.Org is "ORG-EX1-RIPE" or "ORG-EX3-RIPE"
                && m.MntBy == "EXAMPLE-MNT" && m.Prefix.Length is >= 44 and <= 48 && Ipv6Prefix.Parse("2001:db8::/40").Contains(m.Prefix))
            .Select(m => m.Prefix).ToList();
        Assert.That(expected, Is.Not.Empty);
        Assert.That(list.Errors, Is.Empty);
        Assert.That(list.Entries.Select(e => e.Prefix), Is.EqualTo(expected));
        Assert.That(stderr, Does.Contain("route6 objects read: 2, used: 1, malformed: 0"));
    }

    [TestCase(new[] { "--netname", "(unclosed" }, "--netname '(unclosed' is not a usable regular expression")]
    [TestCase(new[] { "--origin", "ASX" }, "--origin 'ASX' is not an AS number")]
    [TestCase(new[] { "--announced-only" }, "--announced-only needs the route6 objects")]
    [TestCase(new[] { "--min-length", "200" }, "--min-length 200 is out of range")]
    public void BadOptionsExitWithTwoAndSayWhy(string[] options, string message)
    {
        var dump = WriteDump(gzip: false);
        var (exit, stdout, stderr) = Invoke(["ripe", "--file", dump, .. options]);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("error: " + message));
        Assert.That(stdout, Is.Empty);
    }

    [Test]
    public void AMissingFileIsAnErrorAndLeavesNoOutputBehind()
    {
        var output = Path.Combine(directory, "targets.txt");
        var (exit, _, stderr) = Invoke("ripe", "--file", Path.Combine(directory, "absent.db"), "--output", output);

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("error: ").And.Contain("absent.db"));
        Assert.That(File.Exists(output) || TemporaryFiles.Beside(output).Length > 0, Is.False);
    }

    [Test]
    public void FileIsRequired()
    {
        var (exit, _, stderr) = Invoke("ripe", "--country", "NL");
        Assert.That(exit, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("--file"));
    }

    /// <summary>
    /// The prefix file as <c>generate --prefix-file</c> will read it: each window becomes one target
    /// spec (Include + SubnetBits), which must validate and plan exactly one target per end site.
    /// </summary>
    [Test]
    public void ThePrefixFileBuildsValidTargetSpecs()
    {
        var dump = WriteDump(gzip: false);
        var output = Path.Combine(directory, "targets.txt");
        var (exit, _, stderr) = Invoke("ripe", "--file", dump, "--output", output);
        Assert.That(exit, Is.Zero, stderr);

        using var reader = File.OpenText(output);
        var list = PrefixList.Read(reader);
        Assert.That(list.Errors, Is.Empty);
        Assert.That(list.Entries.Select(e => e.SubnetBits).Distinct().Count(), Is.GreaterThan(2));

        foreach (var group in list.Entries.GroupBy(e => e.SubnetBits))
        {
            // Entries without a window get the /64 window a scan of assignments would use.
            var window = group.Key ?? 64;
            var spec = new TargetSpec
            {
                Include = [.. group.Select(e => e.Prefix)],
                SubnetBits = window,
                Iid = IidPattern.Fixed(1),
            };

            Assert.That(spec.Validate(), Is.Empty, $"window /{window}");
            var prefixes = Models.Where(m => m.AssignmentSize == group.Key).Select(m => m.Prefix).Distinct().ToList();
            var expected = prefixes.Where(p => !prefixes.Any(o => o != p && o.Contains(p)))
                .Aggregate(UInt128.Zero, (sum, p) => sum + (UInt128.One << (window - p.Length)));
            Assert.That(spec.PlannedTargets, Is.EqualTo(expected), $"window /{window}");
        }
    }
}
