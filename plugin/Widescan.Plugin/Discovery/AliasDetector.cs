using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Aliased-prefix detection, the verdict state machine (pure: no I/O, time passed in). The first live
/// host of a /L prefix (<see cref="WidescanOptions.AliasLength"/>) that the live-host grace releases
/// starts a test (<see cref="Offer"/>): the <see cref="AliasTargets"/> of that prefix go to the sender
/// (<see cref="AliasProbeQueue"/>), their replies are taken here as evidence (<see cref="Heard"/>, before
/// the grace: never results), and the prefix's live hosts are held until the verdict:
/// <list type="bullet">
/// <item>aliased when at least half of the probed addresses answered (<see cref="IsAliased"/>), once
/// all of them answered or the last alias probe is <see cref="Wait"/> old: one
/// <see cref="PrefixAliased"/>, the held hosts dropped and counted, later ones too;</item>
/// <item>not aliased once the last alias probe is <see cref="Wait"/> old with fewer answers: the held
/// hosts are reported, later ones at once;</item>
/// <item>untested when fewer than <see cref="MinProbed"/> addresses could be drawn, the probes could
/// not be sent (the probe cap, the run's end) or were not sent within <see cref="Longest"/>: the held
/// hosts are reported as alive, as without dealiasing (nothing is dropped on a guess), and counted.</item>
/// </list>
/// </summary>
/// <remarks>
/// Memory: a verdict per distinct /L prefix that had a live host (as the listener's dedup grows with
/// responders), plus, per prefix under test, its request (16 addresses) and held hosts; the addresses of
/// a decided test linger <see cref="Linger"/> so a late reply to an alias probe is still known as
/// evidence. Nothing per packet. Not thread-safe: the event pump owns it; <see cref="Testing"/> may be
/// read from any thread.
/// </remarks>
internal sealed class AliasDetector(AliasTargets targets, AliasProbeQueue queue, TimeSpan wait, TimeSpan longest, int maxTests = AliasDetector.DefaultMaxTests)
{
    /// <summary>Fewest alias addresses that give a verdict: with fewer, the prefix stays untested.</summary>
    public const int MinProbed = 8;

    /// <summary>Prefixes under test at once, at most; a live host beyond it is reported untested.</summary>
    public const int DefaultMaxTests = 1 << 16;

    /// <summary>How long a decided test's unanswered addresses are still recognised (answers take milliseconds).</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromSeconds(10);

    private readonly Dictionary<UInt128, Verdict> _verdicts = [];
    private readonly Dictionary<UInt128, Test> _testing = [];
    private readonly Dictionary<UInt128, Test> _evidence = []; // alias address -> its test, answered ones removed
    private readonly Queue<(DateTimeOffset Until, Test Test)> _lingering = new();
    private readonly List<Test> _decided = [];
    private readonly UInt128[] _draw = new UInt128[AliasTargets.SubPrefixes];
    private int _testingCount;

    private enum Verdict : byte
    {
        Testing,
        Aliased,
        NotAliased,
        Untested,
    }

    /// <summary>How long after its last alias probe a test waits for answers before it says "not aliased".</summary>
    public TimeSpan Wait { get; } = wait;

    /// <summary>The longest a test waits for its probes to be sent before it is given up as untested.</summary>
    public TimeSpan Longest { get; } = longest;

    /// <summary>Prefixes under test now (any thread).</summary>
    public int Testing => Volatile.Read(ref _testingCount);

    /// <summary>Prefixes found aliased.</summary>
    public long AliasedPrefixes { get; private set; }

    /// <summary>Live hosts dropped because their prefix is aliased.</summary>
    public long AliasedHosts { get; private set; }

    /// <summary>Prefixes whose test gave no verdict (too few addresses, probes not sent).</summary>
    public long UntestedPrefixes { get; private set; }

    /// <summary>Live hosts reported although their prefix had no verdict (its test gave none, or too many were under test).</summary>
    public long UntestedHosts { get; private set; }

    /// <summary>The verdict rule: at least half of the distinct addresses probed answered.</summary>
    public static bool IsAliased(int probed, int answered) => probed >= MinProbed && 2 * answered >= probed;

    /// <summary>
    /// Takes a listener event before the live-host grace: true when it is an answer to an alias probe
    /// (evidence, not to be reported), false for any other live host (<see cref="Offer"/> takes it
    /// after the grace).
    /// </summary>
    public bool Heard(HostAlive alive, DateTimeOffset now, Action<DiscoveryEvent> emit)
    {
        ArgumentNullException.ThrowIfNull(alive);
        if (!_evidence.Remove(alive.Address, out var answered))
            return false;

        // The listener reports an address once: each alias address answers at most once here. Every
        // address answered: nothing more to learn. Otherwise the verdict waits for the last probe's
        // answers, so the record's evidence is the whole of it.
        answered.Answered++;
        if (!answered.Decided && answered.Answered == answered.Request.Addresses.Length)
            Decide(answered, Verdict.Aliased, now, emit);
        return true;
    }

    /// <summary>
    /// Takes an ICMPv6 error before the filter: true when it answers an alias probe (evidence that the
    /// address is not answered, so no answer is counted; never a result: an alias address is never a
    /// target of the scan), false for an error of a target.
    /// </summary>
    public bool HeardError(TargetUnreachable error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (!_evidence.ContainsKey(error.Address))
            return false;
        ErrorsHeard++;
        return true;
    }

    /// <summary>ICMPv6 errors that answered alias probes (evidence, never results).</summary>
    public long ErrorsHeard { get; private set; }

    /// <summary>
    /// Takes a live host the grace released (so not a Widescan node, whose announce claimed its
    /// address: a prefix of peers only is never tested): reported, held until its prefix's verdict,
    /// or dropped as aliased. The first live host of a prefix without a verdict starts its test.
    /// </summary>
    public void Offer(HostAlive alive, DateTimeOffset now, Action<DiscoveryEvent> emit)
    {
        ArgumentNullException.ThrowIfNull(alive);
        ArgumentNullException.ThrowIfNull(emit);
        var prefix = targets.PrefixOf(alive.Address);
        if (!_testing.TryGetValue(prefix, out var test) && !_verdicts.ContainsKey(prefix))
            test = Start(prefix, alive, now);
        if (test is not null)
        {
            test.Held.Add(alive);
            return;
        }

        switch (_verdicts.GetValueOrDefault(prefix, Verdict.Untested))
        {
            case Verdict.Aliased:
                AliasedHosts++;
                break;
            case Verdict.Untested:
                UntestedHosts++;
                emit(alive);
                break;
            default:
                emit(alive);
                break;
        }
    }

    /// <summary>Starts the test of a prefix: its alias probes to the sender; null when it cannot be tested (too few addresses, too many tests).</summary>
    private Test? Start(UInt128 prefix, HostAlive trigger, DateTimeOffset now)
    {
        if (_testing.Count >= maxTests)
            return null;
        var n = targets.Choose(prefix, _draw);
        if (n < MinProbed)
        {
            _verdicts[prefix] = Verdict.Untested;
            UntestedPrefixes++;
            return null;
        }

        // Started at the trigger's own time (it waited the grace): the checkpoints hold back everything heard since.
        var test = new Test(new AliasProbeRequest(prefix, _draw.AsSpan(0, n).ToArray()), trigger.Address, trigger.Time < now ? trigger.Time : now);
        _verdicts[prefix] = Verdict.Testing;
        _testing[prefix] = test;
        Volatile.Write(ref _testingCount, _testing.Count);
        foreach (var address in test.Request.Addresses)
            _evidence[address] = test;
        queue.Enqueue(test.Request);
        return test;
    }

    /// <summary>Decides the tests whose probes failed, were answered, or waited long enough; releases or drops their hosts.</summary>
    public void Tick(DateTimeOffset now, Action<DiscoveryEvent> emit)
    {
        while (_lingering.TryPeek(out var linger) && linger.Until <= now)
        {
            _lingering.Dequeue();
            foreach (var address in linger.Test.Request.Addresses)
            {
                if (_evidence.TryGetValue(address, out var owner) && ReferenceEquals(owner, linger.Test))
                    _evidence.Remove(address);
            }
        }

        foreach (var test in _testing.Values)
        {
            var request = test.Request;
            if (request.Failed || (request.SentAt is null && now - test.Started >= Longest))
                _decided.Add(test);
            else if (request.SentAt is { } sent && sent + Wait <= now)
                _decided.Add(test);
        }

        foreach (var test in _decided)
            Decide(test, test.Request.Failed || test.Request.SentAt is null ? Verdict.Untested : Verdict.NotAliased, now, emit);
        _decided.Clear();
    }

    /// <summary>
    /// The end of the run: every test still open is decided on what it has (aliased when its answers
    /// already suffice, else untested, its hosts reported).
    /// </summary>
    public void ReleaseAll(DateTimeOffset now, Action<DiscoveryEvent> emit)
    {
        _decided.AddRange(_testing.Values);
        foreach (var test in _decided)
            Decide(test, Verdict.Untested, now, emit);
        _decided.Clear();
    }

    /// <summary>
    /// The trigger time of the oldest open test, null when none: every live host held arrived after
    /// its test's trigger, so no checkpoint may pass a sample taken after it (the pump gates on this).
    /// </summary>
    public DateTimeOffset? OldestHeld()
    {
        DateTimeOffset? oldest = null;
        foreach (var test in _testing.Values)
        {
            if (oldest is null || test.Started < oldest)
                oldest = test.Started;
        }

        return oldest;
    }

    private void Decide(Test test, Verdict verdict, DateTimeOffset now, Action<DiscoveryEvent> emit)
    {
        test.Decided = true;
        var probed = test.Request.Addresses.Length;
        if (IsAliased(probed, test.Answered))
            verdict = Verdict.Aliased;
        _testing.Remove(test.Request.Prefix);
        Volatile.Write(ref _testingCount, _testing.Count);
        _verdicts[test.Request.Prefix] = verdict;
        _lingering.Enqueue((now + Linger, test));
        switch (verdict)
        {
            case Verdict.Aliased:
                AliasedPrefixes++;
                emit(new PrefixAliased(now, new Ipv6Prefix(test.Request.Prefix, targets.Length), probed, test.Answered, test.Trigger));
                AliasedHosts += test.Held.Count;
                break;
            case Verdict.Untested:
                UntestedPrefixes++;
                UntestedHosts += test.Held.Count;
                goto default;
            default:
                foreach (var alive in test.Held)
                    emit(alive);
                break;
        }

        test.Held.Clear();
    }

    private sealed class Test(AliasProbeRequest request, UInt128 trigger, DateTimeOffset started)
    {
        public AliasProbeRequest Request { get; } = request;

        public UInt128 Trigger { get; } = trigger;

        public DateTimeOffset Started { get; } = started;

        public List<HostAlive> Held { get; } = [];

        public int Answered { get; set; }

        public bool Decided { get; set; }
    }
}
