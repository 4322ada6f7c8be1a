using System.Security.Cryptography;
using Widescan.Contracts;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Discovery;

/// <summary>
/// Aliased-prefix detection without a network: the keyed choice of alias addresses
/// (<see cref="AliasTargets"/>), the verdicts and held hosts (<see cref="AliasDetector"/>, on a clock
/// moved by hand), the sender's queue (<see cref="AliasProbeQueue"/>) and the checkpoint gate.
/// </summary>
public class AliasDetectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 18, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Secret = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];
    private static readonly Ipv6Prefix Slash64 = Ipv6Prefix.Parse("2001:db8:a:b::/64");
    private static readonly TargetSpec Spec = new() { Include = [Ipv6Prefix.Parse("2001:db8:a:b::/112")], AllowReserved = true };

    [Test]
    public void OneAddressInEachOfTheSixteenSubPrefixesKeyedByTheSecret()
    {
        var targets = new AliasTargets(Secret, 64, Spec);
        var first = Choose(targets, Slash64.Network);
        var again = Choose(new AliasTargets(Secret, 64, Spec), Slash64.Network);
        var other = Choose(new AliasTargets(RandomNumberGenerator.GetBytes(16), 64, Spec), Slash64.Network);

        Assert.Multiple(() =>
        {
            Assert.That(first, Has.Length.EqualTo(16));
            Assert.That(first.Select(a => (int)((a >> 60) & 0xf)), Is.EqualTo(Enumerable.Range(0, 16)), "sub-prefix i (/68) holds address i");
            Assert.That(first.All(Slash64.Contains), Is.True);
            Assert.That(first, Is.EqualTo(again), "the same secret draws the same addresses: reproducible in a run");
            Assert.That(first.Intersect(other), Is.Empty, "another secret draws others: unpredictable without it");
            Assert.That(first.Select(a => (ulong)a & 0x0fff_ffff_ffff_ffffUL).Distinct().Count(), Is.EqualTo(16), "the bits below the nibble are drawn, not fixed");
            Assert.That(Choose(targets, Ipv6Prefix.Parse("2001:db8:a:c::/64").Network), Is.Not.EqualTo(first.Select(a => a + (UInt128.One << 64))), "each prefix has its own draw");
        });
    }

    [Test]
    public void AnAliasLengthOf120LeavesFourRandomBitsPerSubPrefix()
    {
        var spec = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8:1::/120")], AllowReserved = true, SubnetBits = 120, Iid = IidPattern.Fixed(1) };
        var targets = new AliasTargets(Secret, 120, spec);
        var chosen = Choose(targets, Ipv6Prefix.Parse("2001:db8:1::/120").Network);
        Assert.That(chosen.Select(a => (int)((a >> 4) & 0xf)), Is.EqualTo(Enumerable.Range(0, 16)));
        Assert.That(chosen, Does.Not.Contain(Ipv6Address.Parse("2001:db8:1::1")), "the window's one target per subnet is never an alias address");
    }

    [Test]
    public void ExcludedBlocklistedAndTargetAddressesAreRedrawnAndAWholeExcludedSubPrefixIsLeftOut()
    {
        // The /68 of sub-prefix 3 excluded whole; the scanned /112 itself (every address a target)
        // is where sub-prefix 0's draw may fall, so it must never be chosen.
        var excluded = Ipv6Prefix.Parse("2001:db8:a:b:3000::/68");
        var spec = Spec with { Exclude = [excluded] };
        var chosen = Choose(new AliasTargets(Secret, 64, spec), Slash64.Network);

        var blocked = Choose(new AliasTargets(Secret, 64, Spec with { AllowReserved = false }), Slash64.Network);
        Assert.Multiple(() =>
        {
            Assert.That(chosen, Has.Length.EqualTo(15), "sub-prefix 3 has no allowed address after the bounded draws: one fewer probed");
            Assert.That(chosen.Any(excluded.Contains), Is.False);
            Assert.That(chosen.Any(Spec.Include[0].Contains), Is.False, "a target of the scan is never an alias address");
            Assert.That(blocked, Is.Empty, "2001:db8::/32 is on the blocklist unless lifted: nothing to probe");
        });

        var targets = new AliasTargets(Secret, 64, Spec);
        Assert.Multiple(() =>
        {
            Assert.That(targets.Allowed(Ipv6Address.Parse("2001:db8:a:b::5")), Is.False, "inside the scanned /112");
            Assert.That(targets.Allowed(Ipv6Address.Parse("2001:db8:a:b:1::5")), Is.True);
        });
    }

    [TestCase(16, 16, true)]
    [TestCase(16, 8, true)]
    [TestCase(16, 7, false)]
    [TestCase(16, 0, false)]
    [TestCase(9, 5, true)]
    [TestCase(9, 4, false)]
    [TestCase(7, 7, false)]
    public void AtLeastHalfOfAtLeastEightAddressesMustAnswer(int probed, int answered, bool aliased) =>
        Assert.That(AliasDetector.IsAliased(probed, answered), Is.EqualTo(aliased));

    [TestCase(1, 1.1e-3)]
    [TestCase(2, 1e-7)]
    public void TheThresholdToleratesTenPercentLossEachWay(int probes, double bound)
    {
        // Each probe answered with 0.9 x 0.9 = 0.81; an address with 1 - 0.19^probes. The odds that
        // the verdict rule misses an aliased /64 (docs/architecture.md states these figures).
        var p = 1 - Math.Pow(0.19, probes);
        var miss = Enumerable.Range(0, 17).Where(k => !AliasDetector.IsAliased(16, k))
            .Sum(k => Binomial(16, k) * Math.Pow(p, k) * Math.Pow(1 - p, 16 - k));
        TestContext.Out.WriteLine($"P(aliased /64 missed) at 10% loss each way, {probes} probe(s): {miss:E2}");
        Assert.That(miss, Is.LessThan(bound));
    }

    [Test]
    public void AnAliasedPrefixIsReportedOnceAndItsHostsHeldThenDroppedAndCounted()
    {
        var (detector, queue, events) = Detector();
        var trigger = Alive("2001:db8:a:b::1", T0);
        Assert.That(detector.Heard(trigger, T0, events.Add), Is.False, "a live host is no evidence");
        Assert.That(queue.TryTake(0, out _), Is.False, "nothing tested before the grace released a host (a peer would never be)");

        // After the grace the trigger and a second host are offered: held, not reported.
        detector.Offer(trigger, T0.AddSeconds(1), events.Add);
        Assert.That(queue.TryTake(0, out var request), Is.True, "its prefix's alias probes went to the sender");
        Assert.That(request.Addresses, Has.Length.EqualTo(16));
        detector.Offer(Alive("2001:db8:a:b::2", T0), T0.AddSeconds(1), events.Add);
        Assert.That(events, Is.Empty);
        Assert.That(detector.OldestHeld(), Is.EqualTo(T0), "the trigger's own time");

        queue.RoundSent(request, 16, 0, T0.AddSeconds(1));
        foreach (var address in request.Addresses.Take(12))
            Assert.That(detector.Heard(Alive(address, T0.AddSeconds(1.01)), T0.AddSeconds(1.01), events.Add), Is.True, "an alias address's answer is evidence");
        detector.Tick(T0.AddSeconds(1.5), events.Add);
        Assert.That(events, Is.Empty, "12 of 16: the verdict waits for the last probe's answers");

        detector.Tick(T0.AddSeconds(2), events.Add);
        var aliased = events.OfType<PrefixAliased>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(aliased.Prefix, Is.EqualTo(Slash64));
            Assert.That((aliased.Probed, aliased.Answered, aliased.Trigger), Is.EqualTo((16, 12, trigger.Address)));
            Assert.That(events.OfType<HostAlive>(), Is.Empty, "no host inside an aliased prefix is reported");
            Assert.That(detector.AliasedHosts, Is.EqualTo(2));
            Assert.That(detector.OldestHeld(), Is.Null);
        });

        detector.Offer(Alive("2001:db8:a:b::3", T0.AddSeconds(3)), T0.AddSeconds(3), events.Add);
        Assert.That(detector.Heard(Alive(request.Addresses[13], T0.AddSeconds(3)), T0.AddSeconds(3), events.Add), Is.True, "a late answer to an alias probe is still evidence");
        Assert.That((events.Count, detector.AliasedHosts, detector.AliasedPrefixes), Is.EqualTo((1, 3L, 1L)), "later hosts dropped too; one record");
    }

    [Test]
    public void EveryAddressAnsweringDecidesAtOnce()
    {
        var (detector, queue, events) = Detector();
        detector.Offer(Alive("2001:db8:a:b::1", T0), T0, events.Add);
        queue.TryTake(0, out var request);
        foreach (var address in request.Addresses)
            detector.Heard(Alive(address, T0), T0, events.Add);
        Assert.That(events.OfType<PrefixAliased>().Single().Answered, Is.EqualTo(16));
    }

    [Test]
    public void ASilentPrefixReleasesItsHeldHostsAfterTheWaitAndReportsLaterOnesAtOnce()
    {
        var (detector, queue, events) = Detector();
        var host = Alive("2001:db8:a:b::1", T0);
        detector.Offer(host, T0, events.Add);
        queue.TryTake(0, out var request);
        detector.Heard(Alive(request.Addresses[0], T0), T0, events.Add); // one of 16: a dense corner, not aliased
        queue.RoundSent(request, 16, 0, T0.AddSeconds(0.5));

        detector.Tick(T0.AddSeconds(1.4), events.Add);
        Assert.That(events, Is.Empty, "held until the last probe is a wait old");
        detector.Tick(T0.AddSeconds(1.5), events.Add);
        Assert.That(events, Is.EqualTo(new[] { host }));

        var later = Alive("2001:db8:a:b::2", T0.AddSeconds(2));
        detector.Offer(later, T0.AddSeconds(2), events.Add);
        Assert.That(queue.TryTake(0, out _), Is.False, "a decided prefix is not tested again");
        Assert.That(events, Is.EqualTo(new[] { host, later }));
        Assert.That(detector.AliasedPrefixes, Is.Zero);
    }

    [Test]
    public void AnErrorOfAnAliasProbeIsEvidenceAndAnErrorOfATargetIsNot()
    {
        var (detector, queue, events) = Detector();
        detector.Offer(Alive("2001:db8:a:b::1", T0), T0, events.Add);
        queue.TryTake(0, out var request);
        var router = Ipv6Address.Parse("2001:db8:1::2");
        Assert.Multiple(() =>
        {
            Assert.That(detector.HeardError(new TargetUnreachable(T0, request.Addresses[3], router, 1, 0)), Is.True, "an alias address's error is the test's");
            Assert.That(detector.HeardError(new TargetUnreachable(T0, Ipv6Address.Parse("2001:db8:a:b::7"), router, 1, 0)), Is.False, "a target's error is a result");
            Assert.That(detector.ErrorsHeard, Is.EqualTo(1));
            Assert.That(events, Is.Empty, "evidence, never a result");
        });
    }

    [Test]
    public void ProbesThatCouldNotBeSentLeaveThePrefixUntestedAndItsHostsReported()
    {
        var (detector, queue, events) = Detector();
        var host = Alive("2001:db8:a:b::1", T0);
        detector.Offer(host, T0, events.Add);
        queue.FailAll(); // the probe cap, or the run's end

        detector.Tick(T0.AddSeconds(0.1), events.Add);
        Assert.That(events, Is.EqualTo(new[] { host }), "no verdict: reported as alive, never dropped on a guess");
        Assert.That((detector.UntestedPrefixes, detector.UntestedHosts), Is.EqualTo((1L, 1L)));
    }

    [Test]
    public void AProbeNeverSentIsGivenUpAfterTheLongestWait()
    {
        var (detector, _, events) = Detector();
        var host = Alive("2001:db8:a:b::1", T0);
        detector.Offer(host, T0, events.Add);
        detector.Tick(T0.AddSeconds(9), events.Add);
        Assert.That(events, Is.Empty);
        detector.Tick(T0.AddSeconds(10), events.Add);
        Assert.That(events, Is.EqualTo(new[] { host }));
    }

    [Test]
    public void TheEndOfTheRunReleasesEveryHeldHost()
    {
        var (detector, queue, events) = Detector();
        var hosts = new[] { Alive("2001:db8:a:b::1", T0), Alive("2001:db8:a:c::1", T0) };
        foreach (var host in hosts)
            detector.Offer(host, T0, events.Add);

        Assert.That(detector.Testing, Is.EqualTo(2));
        detector.ReleaseAll(T0.AddSeconds(0.2), events.Add);
        Assert.That(events, Is.EquivalentTo(hosts));
        Assert.That(detector.Testing, Is.Zero);
    }

    [Test]
    public void APrefixWithTooFewAllowedAddressesIsNotTestedAndItsHostsAreReported()
    {
        var spec = Spec with { Exclude = [Ipv6Prefix.Parse("2001:db8:a:b::/65")] }; // half the /64: 8 sub-prefixes gone
        var queue = new AliasProbeQueue(1, 0);
        var detector = new AliasDetector(new AliasTargets(Secret, 64, spec with { Include = [Ipv6Prefix.Parse("2001:db8:a:b:f000::/112")] }), queue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        var events = new List<DiscoveryEvent>();
        var host = Alive("2001:db8:a:b:f000::1", T0);

        detector.Offer(host, T0, events.Add);
        Assert.That(queue.TryTake(0, out var request), Is.True, "8 sub-prefixes left but one holds the scanned /112: its draw may still fall outside");
        Assert.That(request.Addresses, Has.Length.GreaterThanOrEqualTo(AliasDetector.MinProbed));

        var tooFew = new AliasDetector(new AliasTargets(Secret, 64, Spec with { Exclude = [Ipv6Prefix.Parse("2001:db8:a:b::/64")] }), queue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        var other = Alive("2001:db8:a:b::1", T0);
        tooFew.Offer(other, T0, events.Add);
        Assert.That(events, Is.EqualTo(new[] { other }));
        Assert.That(tooFew.UntestedPrefixes, Is.EqualTo(1));
    }

    [Test]
    public void TheQueueServesRoundsAnIntervalApartAndCountsProbes()
    {
        var queue = new AliasProbeQueue(rounds: 3, interval: 100);
        var request = new AliasProbeRequest(Slash64.Network, [1, 2, 3]);
        queue.Enqueue(request);

        Assert.That(queue.TryTake(0, out var first), Is.True);
        queue.RoundSent(first, 3, now: 0, T0);
        Assert.That(queue.TryTake(99, out _), Is.False, "the next round waits an interval");
        Assert.That(queue.NextDue(50), Is.EqualTo(100));
        Assert.That(queue.TryTake(100, out var second), Is.True);
        queue.RoundSent(second, 3, 100, T0);
        Assert.That(queue.TryTake(200, out var third), Is.True);
        Assert.That(request.SentAt, Is.Null);
        queue.RoundSent(third, 3, 200, T0.AddSeconds(2));
        Assert.Multiple(() =>
        {
            Assert.That(request.SentAt, Is.EqualTo(T0.AddSeconds(2)), "sent at its last round");
            Assert.That(queue.Sent, Is.EqualTo(9));
            Assert.That(queue.TryTake(1000, out _), Is.False);
        });

        queue.Close();
        var late = new AliasProbeRequest(Slash64.Network, [4]);
        queue.Enqueue(late);
        Assert.That((late.Failed, queue.Drained), Is.EqualTo((true, true)), "closed: a new test fails at once");
    }

    [Test]
    public void ACheckpointNeverPassesAHostHeldForAVerdict()
    {
        var checkpoints = new Checkpoints(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        for (var ms = 0; ms <= 5000; ms += 100)
            checkpoints.Record(T0.AddMilliseconds(ms), (ulong)ms * 5, T0.AddMilliseconds(ms));

        // Unheld, the sample at 3 s is safe (its answers by 4 s, released by 5 s). A host held since 2.5 s
        // may answer any batch before then: only samples vouched for by one taken before 2.5 s count.
        Assert.That(checkpoints.Due(T0.AddSeconds(5), heldSince: T0.AddSeconds(2.5)), Is.EqualTo(7_500UL), "the sample at 1.5 s, whose answers were in by 2.5 s");
        Assert.That(checkpoints.Due(T0.AddSeconds(5), heldSince: T0.AddSeconds(2.5)), Is.Null);
        Assert.That(checkpoints.Due(T0.AddSeconds(5)), Is.EqualTo(15_000UL), "released: the cursor catches up");
    }

    private static (AliasDetector Detector, AliasProbeQueue Queue, List<DiscoveryEvent> Events) Detector()
    {
        var queue = new AliasProbeQueue(rounds: 1, interval: 0);
        var detector = new AliasDetector(new AliasTargets(Secret, 64, Spec), queue, wait: TimeSpan.FromSeconds(1), longest: TimeSpan.FromSeconds(10));
        return (detector, queue, []);
    }

    private static UInt128[] Choose(AliasTargets targets, UInt128 network)
    {
        var into = new UInt128[AliasTargets.SubPrefixes];
        return into[..targets.Choose(network, into)];
    }

    private static HostAlive Alive(string address, DateTimeOffset time) => Alive(Ipv6Address.Parse(address), time);

    private static HostAlive Alive(UInt128 address, DateTimeOffset time) => new(time, address, TimeSpan.FromMilliseconds(1));

    private static double Binomial(int n, int k)
    {
        var c = 1.0;
        for (var i = 1; i <= k; i++)
            c = c * (n - k + i) / i;
        return c;
    }
}
