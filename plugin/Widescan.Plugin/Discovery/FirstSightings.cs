namespace Widescan.Plugin.Discovery;

/// <summary>
/// The listener's record of what it has seen this run: each live host once and each target that
/// produced an ICMPv6 error once, and the rule that joins them: a target that produced an error is
/// never reported alive, so a live host seen after its target's error is overruled (counted, not
/// reported). It is the run's one set of errored targets (the filter keeps none): memory is one
/// address per live host and one per distinct errored target, never per probe or per error. Not
/// thread-safe: the listener's receiving thread owns it (and the stopping thread, once that has ended).
/// </summary>
internal sealed class FirstSightings
{
    private readonly HashSet<UInt128> _alive = [];
    private readonly HashSet<UInt128> _errored = [];

    /// <summary>Distinct targets an error named so far.</summary>
    public int ErroredTargets => _errored.Count;

    /// <summary>A live host at <paramref name="address"/>: new (report it), seen before, or overruled by its target's error.</summary>
    public Sighting Alive(UInt128 address) =>
        !_alive.Add(address) ? Sighting.Seen
        : _errored.Contains(address) ? Sighting.Overruled
        : Sighting.New;

    /// <summary>An error naming <paramref name="target"/>: true the first time (report it), whichever router or type.</summary>
    public bool Error(UInt128 target) => _errored.Add(target);
}

/// <summary>What a live host's sighting means (<see cref="FirstSightings.Alive"/>).</summary>
internal enum Sighting
{
    /// <summary>The first from this address: a result.</summary>
    New,

    /// <summary>Reported (or overruled) before: nothing new.</summary>
    Seen,

    /// <summary>The first from this address, but its target produced an error first: counted as overruled, not reported.</summary>
    Overruled,
}
