using Widescan.Contracts;
using Widescan.Plugin.Discovery;

namespace Widescan.Tests.Discovery;

/// <summary>
/// A target that produced an ICMPv6 error is never reported alive, and a live host that rule
/// suppresses is counted (<see cref="DiscoveryCounters.AliveOverruled"/>), never lost silently. The
/// two stages as the run joins them: the listener's <see cref="FirstSightings"/> (each live host and
/// each errored target once; a live host after its target's error is overruled there) and the
/// <see cref="ResultFilter"/> (a live host in its grace when its target's error comes is dropped
/// there), on a hand-moved clock. docs/results.md states the cases.
/// </summary>
public sealed class ErroredTargetOrderTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;
    private static readonly UInt128 Host = Ipv6Address.Parse("2001:db8:5::77");
    private static readonly UInt128 Other = Ipv6Address.Parse("2001:db8:5::78");
    private static readonly UInt128 Router = Ipv6Address.Parse("2001:db8:ff::1");

    private sealed class Run
    {
        private readonly FirstSightings _seen = new();
        private readonly ResultFilter _filter;

        public Run() => _filter = new ResultFilter(TimeSpan.FromSeconds(1), Counters);

        public DiscoveryCounters Counters { get; } = new();

        public List<DiscoveryEvent> Records { get; } = [];

        /// <summary>What ListenerRun.Handle does with a HostAlive and a TargetUnreachable, then the pump's release.</summary>
        public Run Echo(int ms, UInt128? address = null)
        {
            var at = T0.AddMilliseconds(ms);
            _filter.Release(at, Records.Add);
            var from = address ?? Host;
            switch (_seen.Alive(from))
            {
                case Sighting.New:
                    _filter.Offer(new HostAlive(at, from, TimeSpan.Zero), Records.Add);
                    break;
                case Sighting.Overruled:
                    Counters.AddAliveOverruled(1);
                    break;
            }

            return this;
        }

        public Run Error(int ms, byte code = 0)
        {
            var at = T0.AddMilliseconds(ms);
            _filter.Release(at, Records.Add);
            if (_seen.Error(Host))
                _filter.Offer(new TargetUnreachable(at, Host, Router, 1, code), Records.Add);
            return this;
        }

        public string End()
        {
            _filter.ReleaseAll(Records.Add);
            return string.Join("+", Records.Select(e => e.GetType().Name));
        }
    }

    [Test]
    public void Echo_then_error_within_the_grace_reports_the_error_and_counts_the_host()
    {
        var run = new Run().Echo(0).Error(500);
        Assert.That(run.End(), Is.EqualTo("TargetUnreachable"));
        Assert.That(run.Counters.AliveOverruled, Is.EqualTo(1));
    }

    [Test]
    public void Error_then_echo_reports_the_error_and_counts_the_host()
    {
        var run = new Run().Error(0).Echo(10);
        Assert.That(run.End(), Is.EqualTo("TargetUnreachable"));
        Assert.That(run.Counters.AliveOverruled, Is.EqualTo(1));
    }

    [Test]
    public void Echo_reported_then_error_after_the_grace_gives_both_records_and_counts_nothing()
    {
        var run = new Run().Echo(0).Error(1500);
        Assert.That(run.End(), Is.EqualTo("HostAlive+TargetUnreachable"));
        Assert.That(run.Counters.AliveOverruled, Is.Zero);
    }

    [Test]
    public void Repeats_count_once_and_other_hosts_are_untouched()
    {
        // Two probes per target: two echoes and two errors (another hop, another code) of one target.
        var run = new Run().Echo(0).Echo(5, Other).Error(100).Echo(200).Error(300, 1).Echo(2000).Error(2100);
        Assert.That(run.End(), Is.EqualTo("TargetUnreachable+HostAlive"));
        Assert.That(((TargetUnreachable)run.Records[0]).Code, Is.Zero, "the first error is the one reported");
        Assert.That(((HostAlive)run.Records[1]).Address, Is.EqualTo(Other));
        Assert.That(run.Counters.AliveOverruled, Is.EqualTo(1), "one address, once");
    }

    [Test]
    public void The_listener_keeps_one_address_per_errored_target_however_many_errors()
    {
        var seen = new FirstSightings();
        for (var i = 0; i < 1000; i++)
            seen.Error(Host + (UInt128)(i % 10));
        Assert.That(seen.ErroredTargets, Is.EqualTo(10));
        Assert.That(seen.Alive(Host), Is.EqualTo(Sighting.Overruled));
        Assert.That(seen.Alive(Host), Is.EqualTo(Sighting.Seen), "counted once");
        Assert.That(seen.Alive(Other + 100), Is.EqualTo(Sighting.New));
    }
}
