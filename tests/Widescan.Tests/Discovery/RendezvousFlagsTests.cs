using Widescan.Contracts;
using Widescan.Host;
using Widescan.Plugin.Targets;
using Widescan.Tests.Targets;

namespace Widescan.Tests.Discovery;

/// <summary>
/// <c>--iid rendezvous</c> on <c>scan</c> and <c>generate</c>, and <c>widescan rendezvous</c>, through the
/// harness's own parser: the key or name becomes the pattern's secret, every error comes at once, a
/// state resumes under its own key only.
/// </summary>
public class RendezvousFlagsTests
{
    private const string NextHex = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";
    private static readonly string KeyHex = Convert.ToHexStringLower(RendezvousVectors.Key);
    private string temp = null!;
    private string key = null!;
    private string keys = null!;

    [OneTimeSetUp]
    public void CreateTemp()
    {
        temp = Directory.CreateTempSubdirectory("widescan-rendezvous-flags-").FullName;
        key = File("key", KeyHex + "\n");
        keys = File("keys", KeyHex + "\r\n" + NextHex + "\n");
    }

    [OneTimeTearDown]
    public void DeleteTemp() => Directory.Delete(temp, recursive: true);

    private static readonly string[] Window = ["--prefix", "2001:db8::/48", "--allow-reserved", "--subnet-bits", "64", "--iid", "rendezvous", "--seed", "3"];

    [Test]
    public void TheKeyFileGivesThePatternOfItsSecret()
    {
        var (request, errors) = CliParse.Scan([.. Window, "--network-key-file", key, "--rendezvous-slots", "3"]);
        Assert.That(errors, Is.Empty);
        var iid = request!.Options.Targets!.Iid!;
        Assert.That(iid, Is.EqualTo(IidPattern.Rendezvous(Convert.FromHexString(RendezvousVectors.KeySecret), 3)));
        Assert.That(iid.ToString(), Is.EqualTo($"rendezvous:slots=3,key={RendezvousVectors.KeyId}"));
        Assert.That(request.Options.NetworkKey.ToArray(), Is.EqualTo(RendezvousVectors.Key), "the same file is the announce key");

        var (generate, generateErrors) = CliParse.Generate([.. Window, "--network-name", RendezvousVectors.Name]);
        Assert.That(generateErrors, Is.Empty);
        Assert.That(generate!.Iid!.KeyId, Is.EqualTo(RendezvousVectors.NameKeyId), "a name's secret, and the default 2 slots");
        Assert.That(generate.Iid.RendezvousSlots, Is.EqualTo(2));
    }

    [Test]
    public void APrefixFileOfAssignmentWindowsIsProbedInEveryOf64AndAnExplicitOtherWindowIsRefused()
    {
        // widescan ripe writes each prefix with its assignment size; rendezvous probes every /64 of them.
        var prefixes = File("ripe.txt", "2001:db8:100::/40 window=/48\n2001:db8:200::/44 window=/56\n");
        var (request, errors) = CliParse.Scan(["--prefix-file", prefixes, "--allow-reserved", "--iid", "rendezvous", "--network-key-file", key]);
        Assert.That(errors, Is.Empty);
        var spec = request!.Options.Targets!;
        Assert.Multiple(() =>
        {
            Assert.That(spec.SubnetBits, Is.EqualTo(64), "rendezvous implies /64 windows");
            Assert.That(spec.PrefixWindows.Select(w => w.SubnetBits), Is.All.EqualTo(64), "the file's assignment windows become /64s");
            Assert.That((ulong)spec.PlannedTargets, Is.EqualTo(((1UL << 24) + (1UL << 20)) * 2), "every /64 of both prefixes, two slots each");
        });

        var (_, refused) = CliParse.Scan(["--prefix", "2001:db8::/48", "--allow-reserved", "--subnet-bits", "56", "--iid", "rendezvous", "--network-key-file", key]);
        Assert.That(refused, Has.Some.Contains("--subnet-bits 64"), "an explicit other window is the user's mistake, said in flags");
    }

    [Test]
    public void ARolloverFileProbesTheKeyItIsTold()
    {
        var nextSecret = IidPattern.DeriveRendezvousSecret(Convert.FromHexString(NextHex));
        var (current, _) = CliParse.Scan([.. Window, "--network-key-file", keys]);
        Assert.That(current!.Options.Targets!.Iid!.KeyId, Is.EqualTo(RendezvousVectors.KeyId));
        Assert.That(current.Options.NextNetworkKey.ToArray(), Is.EqualTo(Convert.FromHexString(NextHex)), "the listener's next key");
        var (next, _) = CliParse.Scan([.. Window, "--network-key-file", keys, "--rendezvous-key", "next"]);
        Assert.That(next!.Options.Targets!.Iid!.KeyId, Is.EqualTo(IidPattern.RendezvousKeyId(nextSecret)));
        var (both, _) = CliParse.Scan([.. Window, "--network-key-file", keys, "--rendezvous-key", "both"]);
        Assert.That(both!.Options.Targets!.Iid!.CountPerSubnet, Is.EqualTo((UInt128)4), "both keys double the probes per /64");
        Assert.That(both.Options.Targets.PlannedTargets, Is.EqualTo((UInt128)4 << 16));
    }

    [Test]
    public void EveryProblemOfTheCommandComesAtOnce()
    {
        var (request, errors) = CliParse.Scan("--prefix", "2001:db8::/40", "--allow-reserved", "--subnet-bits", "56", "--iid", "rendezvous",
            "--rendezvous-slots", "17", "--rate", "0");
        Assert.That(request, Is.Null);
        Assert.That(errors, Has.Count.EqualTo(4), string.Join("\n", errors));
        Assert.That(errors, Has.One.Contains("--rendezvous-slots 17 out of range (1-16)"));
        Assert.That(errors, Has.One.Contains("needs the network's key or name").And.Contains("--network-key-file").And.Contains("--network-name"));
        Assert.That(errors, Has.One.Contains("2001:db8::/40 has the window /56").And.Contains("--subnet-bits 64"));
        Assert.That(errors, Has.One.Contains("rate 0"));
        Assert.That(errors, Has.None.Contains("SubnetBits"), "the CLI names flags, not properties");

        var (_, both) = CliParse.Scan([.. Window, "--network-key-file", key, "--network-name", "x"]);
        Assert.That(both, Is.EqualTo(new[] { "--network-key-file and --network-name are both given: a network has a key or, without one, a name; give one of them" }));
        var (_, noNext) = CliParse.Scan([.. Window, "--network-key-file", key, "--rendezvous-key", "both"]);
        Assert.That(noNext, Has.One.Contains("--rendezvous-key both needs a next key").And.Contains("second line"));
        var (_, nameNext) = CliParse.Scan([.. Window, "--network-name", "x", "--rendezvous-key", "next"]);
        Assert.That(nameNext, Has.One.Contains("a network name has no next key"));
        var (_, unused) = CliParse.Scan("--prefix", "2001:db8::/48", "--allow-reserved", "--subnet-bits", "64", "--network-name", "x", "--rendezvous-slots", "3");
        Assert.That(unused, Has.Count.EqualTo(2).And.All.Contains("give --iid rendezvous"));
        var (_, textForm) = CliParse.Generate([.. Window[..^3], "rendezvous:slots=2,key=8237bb20", "--network-key-file", key]);
        Assert.That(textForm, Has.One.Contains("give --iid rendezvous alone"));
    }

    [Test]
    public void ABadKeyFileIsReportedOnce()
    {
        var bad = File("short", "abcd\n");
        var (_, scanErrors) = CliParse.Scan([.. Window, "--network-key-file", bad]);
        Assert.That(scanErrors, Has.Count.EqualTo(1).And.One.Contains("4 hex digits"));
        var (_, generateErrors) = CliParse.Generate([.. Window, "--network-key-file", bad]);
        Assert.That(generateErrors, Has.Count.EqualTo(1).And.One.Contains("4 hex digits"));
        var three = File("three", $"{KeyHex}\n{NextHex}\n{KeyHex}\n");
        Assert.That(CliParse.Scan([.. Window, "--network-key-file", three]).Errors, Has.One.Contains("3 lines of hex"));
        var same = File("same", $"{KeyHex}\n{KeyHex}\n");
        Assert.That(CliParse.Scan([.. Window, "--network-key-file", same]).Errors, Has.One.Contains("the next key is the current key"));
    }

    [Test]
    public void AStateResumesUnderItsKeyAndRefusesAnother()
    {
        var path = Path.Combine(temp, "rendezvous-state.json");
        var saved = CliParse.Scan([.. Window, "--network-key-file", key]).Request!.Options.Targets!;
        ScanState.Of(saved, cursor: 1_000, positions: 131_072, DateTimeOffset.UnixEpoch).Save(path);
        Assert.That(System.IO.File.ReadAllText(path), Does.Contain($"key={RendezvousVectors.KeyId}").And.Not.Contain(RendezvousVectors.KeySecret));

        var (resumed, errors) = CliParse.Scan([.. Window, "--network-key-file", key, "--state", path]);
        Assert.That(errors, Is.Empty);
        Assert.That(resumed!.Options.Targets!.StartCursor, Is.EqualTo(1_000UL));

        var (other, otherErrors) = CliParse.Scan([.. Window, "--network-name", RendezvousVectors.Name, "--state", path]);
        Assert.That(other, Is.Null);
        Assert.That(otherErrors, Is.EqualTo(new[]
        {
            $"--state {path}: the saved state is of another scan: the rendezvous key differs (saved: key id {RendezvousVectors.KeyId}, given: key id {RendezvousVectors.NameKeyId}): resume with the network key or name the scan was started with",
        }));
    }

    [Test]
    public void TheRendezvousCommandPrintsTheDerivation()
    {
        var run = CliRun.Run("rendezvous", "--prefix", "2001:db8:0:4142::/64", "--prefix", "2001:db8:1234:5678::/64",
            "--network-key-file", keys, "--rendezvous-key", "both", "--slots", "3");
        Assert.That(run.Code, Is.EqualTo(ExitCodes.Ok), run.ToString());
        var expected = new List<string>();
        var nextId = IidPattern.RendezvousKeyId(IidPattern.DeriveRendezvousSecret(Convert.FromHexString(NextHex)));
        foreach (var subnet in new[] { "2001:db8:0:4142::", "2001:db8:1234:5678::" })
        {
            foreach (var (secret, id) in new[] { (RendezvousIid.Secret(RendezvousVectors.Key), RendezvousVectors.KeyId), (RendezvousIid.Secret(Convert.FromHexString(NextHex)), nextId) })
            {
                var (k0, k1) = RendezvousIid.Keys(secret);
                for (var slot = 0; slot < 3; slot++)
                    expected.Add($"{Ipv6Address.Format(RendezvousIid.Address(k0, k1, Ipv6Address.Parse(subnet), slot))} slot {slot} key {id}");
            }
        }

        Assert.That(run.Output.TrimEnd().Split('\n'), Is.EqualTo(expected));
        Assert.That(run.Output, Does.StartWith("2001:db8:0:4142:dd1a:3bc9:b73f:6fbe slot 0 key 8237bb20\n"), "the golden vector whose first hash is refused");

        var bad = CliRun.Run("rendezvous", "--prefix", "2001:db8::/48", "--slots", "0");
        Assert.That(bad.Code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(bad.Error.TrimEnd().Split(Environment.NewLine), Has.Length.EqualTo(3).And.All.StartWith("widescan rendezvous: "));
        Assert.That(bad.Output, Is.Empty);
    }



    private string File(string name, string text)
    {
        var path = Path.Combine(temp, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }
}
