using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

/// <summary>
/// The plan fingerprint: one per plan however its options are spelled, another as soon as anything
/// that decides the targets of a shard differs, and carried by the state file.
/// </summary>
[TestFixture]
public sealed class PlanFingerprintTests
{
    private static readonly TargetSpec Plan = new()
    {
        Include = [Ipv6Prefix.Parse("2001:db8:100::/112"), Ipv6Prefix.Parse("2001:db8:200::/112")],
        Exclude = [Ipv6Prefix.Parse("2001:db8:100::ff00/120")],
        Seed = 0x5eed,
        Shard = new ShardSpec(0, 4),
        AllowReserved = true,
    };

    [Test]
    public void Equal_plans_have_one_fingerprint_however_spelled()
    {
        var spelled = new[]
        {
            Plan with { Include = [.. Plan.Include.Reverse()] },
            Plan with { Include = [Plan.Include[1], Plan.Include[0], Plan.Include[1], Plan.Include[0]] },
            Plan with { Include = [.. Plan.Include, Ipv6Prefix.Parse("2001:db8:100::/120")] },
            Plan with { Exclude = [Plan.Exclude[0], Plan.Exclude[0], Ipv6Prefix.Parse("2001:db8:100::ff80/121")] },
            Plan with { Exclude = [.. Plan.Exclude, Ipv6Prefix.Parse("2001:db8:ffff::/48")] },
            Plan with { Shard = new ShardSpec(3, 4), StartCursor = 1000 },
        };

        var expected = PlanFingerprint.Of(Plan);
        Assert.Multiple(() =>
        {
            Assert.That(expected, Has.Length.EqualTo(PlanFingerprint.Length).And.Match("^[0-9a-f]+$"));
            for (var k = 0; k < spelled.Length; k++)
                Assert.That(PlanFingerprint.Of(spelled[k]), Is.EqualTo(expected), $"spelling {k}:\n{PlanFingerprint.CanonicalText(spelled[k])}");
        });
    }

    [Test]
    public void Any_input_that_decides_the_targets_gives_another_fingerprint()
    {
        var windowed = Plan with { Include = [Ipv6Prefix.Parse("2001:db8::/48")], Exclude = [], SubnetBits = 64, Iid = IidPattern.Fixed(1) };
        var differing = new Dictionary<string, TargetSpec>
        {
            ["seed"] = Plan with { Seed = 0x5eee },
            ["shard count"] = Plan with { Shard = new ShardSpec(0, 5) },
            ["an include"] = Plan with { Include = [Plan.Include[0], Ipv6Prefix.Parse("2001:db8:300::/112")] },
            ["an include left out"] = Plan with { Include = [Plan.Include[0]] },
            ["an exclusion"] = Plan with { Exclude = [Ipv6Prefix.Parse("2001:db8:100::fe00/120")] },
            ["no exclusion"] = Plan with { Exclude = [] },
            ["the blocklist"] = Plan with { AllowReserved = false },
            ["the window (windowed vs not)"] = windowed with { SubnetBits = null, Iid = null, Include = [Ipv6Prefix.Parse("2001:db8::/112")] },
            ["the window length"] = windowed with { SubnetBits = 60 },
            ["the IID pattern"] = windowed with { Iid = IidPattern.Fixed(2) },
        };

        var all = differing.ToDictionary(d => d.Key, d => PlanFingerprint.Of(d.Value));
        all["plan"] = PlanFingerprint.Of(Plan);
        all["windowed plan"] = PlanFingerprint.Of(windowed);
        Assert.That(all.Values.Distinct().Count(), Is.EqualTo(all.Count),
            "every variation has its own fingerprint: " + string.Join(", ", all.GroupBy(a => a.Value).Where(g => g.Count() > 1).Select(g => string.Join(" = ", g.Select(a => a.Key)))));
    }

    [Test]
    public void A_list_scan_is_fingerprinted_by_its_list_and_needs_it()
    {
        var list = new TargetSpec { TargetFiles = ["/tmp/list.txt"], Seed = 1, Shard = new ShardSpec(0, 2) };
        Assert.Multiple(() =>
        {
            Assert.That(() => PlanFingerprint.Of(list), Throws.ArgumentException.With.Message.Contains("TargetFiles"));
            Assert.That(PlanFingerprint.Of(list, "100:aa"), Is.Not.EqualTo(PlanFingerprint.Of(list, "100:ab")));
            Assert.That(PlanFingerprint.Of(list with { TargetFilesFingerprint = "100:aa" }), Is.EqualTo(PlanFingerprint.Of(list, "100:aa")));
        });
    }

    [Test]
    public void The_state_file_carries_the_fingerprint_and_a_resume_checks_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"widescan-plan-{Guid.NewGuid():n}.json");
        try
        {
            ScanState.Of(Plan, 10, 16384, DateTimeOffset.UnixEpoch).Save(path);
            var loaded = ScanState.Load(path);
            var forged = loaded with { PlanFingerprint = "0123456789abcdef" };
            Assert.Multiple(() =>
            {
                Assert.That(File.ReadAllText(path), Does.Contain($"\"planFingerprint\": \"{PlanFingerprint.Of(Plan)}\""));
                Assert.That(loaded.PlanFingerprint, Is.EqualTo(PlanFingerprint.Of(Plan)));
                Assert.That(loaded.Difference(Plan with { Shard = new ShardSpec(0, 4) }), Is.Null, "the same plan");
                Assert.That(forged.Difference(Plan), Does.StartWith("the plan's fingerprint differs (saved: 0123456789abcdef"));
            });

            File.WriteAllText(path, File.ReadAllText(path).Replace(PlanFingerprint.Of(Plan), "not-hex", StringComparison.Ordinal));
            Assert.That(() => ScanState.Load(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("field 'planFingerprint'"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
