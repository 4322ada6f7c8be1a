namespace Widescan.Contracts;

/// <summary>
/// Claiming rendezvous addresses (docs/rendezvous.md): the listener derives, from the network key (or
/// the network's name), the address of each /64 and slot that the network's scanners probe, and adds
/// the lowest slot that Duplicate Address Detection finds free to its interface, so that a scanner
/// finds it with one probe per /64 and slot. Needs CAP_NET_ADMIN; without it the listener logs one
/// line and goes on at its ordinary addresses.
/// </summary>
public sealed record RendezvousOptions
{
    /// <summary>The most slots a /64 may have (members sharing one /64).</summary>
    public const int MaxSlots = 16;

    /// <summary>The shortest lifetime: the claim is refreshed every third of it, and DAD alone takes a second or two.</summary>
    public static readonly TimeSpan MinLifetime = TimeSpan.FromSeconds(6);

    /// <summary>The longest lifetime: a killed listener's address outlives it by up to this long.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(1);

    /// <summary>Claim rendezvous addresses while the listener runs.</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// The /64s to claim in; empty (the default) claims in every /64 of a global address on
    /// <see cref="WidescanOptions.Interface"/> (or, without one, on every interface but loopback).
    /// </summary>
    public IReadOnlyList<Ipv6Prefix> Prefixes { get; init; } = [];

    /// <summary>Slots per /64 (default 2): a member takes the lowest one that DAD finds free.</summary>
    public int Slots { get; init; } = 2;

    /// <summary>
    /// The valid lifetime of a claimed address (default 600 s), refreshed every third of it while the
    /// listener runs: a listener that dies without removing its address leaves it only this long. Its
    /// preferred lifetime is 0, so the host never picks it as the source of its own traffic.
    /// </summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Every problem with these options within <paramref name="options"/>, each naming the fix.</summary>
    public IEnumerable<string> Validate(WidescanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Slots is < 1 or > MaxSlots)
            yield return $"Rendezvous.Slots {Slots} is out of range (1-{MaxSlots})";
        if (Lifetime < MinLifetime || Lifetime > MaxLifetime)
            yield return $"Rendezvous.Lifetime {Lifetime.TotalSeconds} s is out of range ({MinLifetime.TotalSeconds} s to {MaxLifetime.TotalSeconds} s)";
        foreach (var prefix in Prefixes ?? [])
        {
            if (prefix.Length != 64)
                yield return $"Rendezvous.Prefixes: {prefix} is not a /64; a rendezvous address is claimed per /64";
        }

        if (!Enabled)
            yield break;
        if (options.NetworkKey.IsEmpty && string.IsNullOrEmpty(options.NetworkName))
            yield return "Rendezvous.Enabled needs NetworkKey or NetworkName: the rendezvous addresses are derived from one of them";
        else if (!options.NetworkKey.IsEmpty && !string.IsNullOrEmpty(options.NetworkName))
            yield return "Rendezvous: NetworkKey and NetworkName are both set; the addresses derive from one of them: set only one";
    }
}
