using Widescan.Plugin.Transport;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Transport;

public sealed class CapabilitiesTests
{
    private static string Status(string capEff) =>
        $"Name:\twidescan\nUmask:\t0022\nState:\tR (running)\nCapInh:\t0000000000000000\nCapPrm:\t{capEff}\nCapEff:\t{capEff}\nCapBnd:\t000001ffffffffff\n";

    [TestCase("000001ffffffffff", true)]     // root
    [TestCase("0000000000002000", true)]     // CAP_NET_RAW alone (AmbientCapabilities=CAP_NET_RAW)
    [TestCase("000001ffffffdfff", false)]    // root under setpriv --bounding-set=-net_raw
    [TestCase("0000000000000000", false)]    // an ordinary user
    public void Reads_CAP_NET_RAW_from_CapEff(string capEff, bool expected) =>
        Assert.That(Capabilities.HasNetRaw(Status(capEff)), Is.EqualTo(expected));

    [TestCase("Name:\tx\n")]
    [TestCase("CapEff:\tnot-hex\n")]
    [TestCase("")]
    public void Unknown_status_text_gives_no_answer(string text) =>
        Assert.That(Capabilities.HasNetRaw(text), Is.Null);

    [Test]
    public void Missing_capability_is_one_line_that_says_how_to_grant_it()
    {
        var error = Assert.Throws<MissingCapabilityException>(() => Capabilities.EnsureNetRaw(Status("0000000000000000")));
        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Is.EqualTo(
                "CAP_NET_RAW is missing: sending and capturing ICMPv6 need it; run as root (sudo) to try it out, or grant it " +
                "to this process alone: the systemd unit deploy/widescan.service (AmbientCapabilities), or a container run " +
                "given the NET_RAW capability (docs/deploy.md); not setcap on the dotnet binary, which would grant it to every .NET program"));
            Assert.That(File.Exists(Path.Combine(RepositoryRoot.Path, "deploy", "widescan.service")), Is.True, "the message names a unit that exists");
            Assert.That(File.Exists(Path.Combine(RepositoryRoot.Path, "docs", "deploy.md")), Is.True, "the message names a page that exists");
            Assert.That(error.Message, Does.Not.Contain("\n"));
            Assert.That(error, Is.InstanceOf<UnauthorizedAccessException>(), "hosts recognise it through a BCL type");
            Assert.That(error.HResult, Is.EqualTo(77));
            Assert.That(error.Data["ExitCode"], Is.EqualTo(MissingCapabilityException.ExitCode));
        });
    }

    [Test]
    public void Holding_the_capability_passes() =>
        Assert.DoesNotThrow(() => Capabilities.EnsureNetRaw(Status("0000000000002000")));

    [Test]
    public void This_root_process_holds_it()
    {
        Assume.That(NetnsLab.IsRoot, "only a root process is known to hold CAP_NET_RAW");
        Assert.That(Capabilities.ProcessHasNetRaw(), Is.True);
    }
}
