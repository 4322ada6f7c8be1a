namespace Widescan.Plugin.Discovery;

/// <summary>
/// The addresses this node answers for: its source address when the options give one, else every
/// global address of its network namespace (any interface, lo included), read once on the thread that
/// is in the namespace. A probe to any other address is not for us (a listener on a router captures
/// probes in transit) and gets no announce, no event and none of the responder's budget.
/// </summary>
/// <remarks>
/// Read once: the responder's sockets are bound per address when the listener starts, and none may be
/// opened later from libpcap's callback thread, which is not in the namespace. An address added after
/// the start is not answered until the listener starts again.
/// </remarks>
internal sealed class OwnAddresses
{
    /// <summary>A node has few addresses; past this many the rest are not answered (and the log says so).</summary>
    public const int Limit = 64;

    private readonly HashSet<UInt128> _addresses;

    private OwnAddresses(IEnumerable<UInt128> addresses) => _addresses = [.. addresses.Take(Limit)];

    /// <summary>The addresses, in the order read.</summary>
    public IReadOnlyCollection<UInt128> All => _addresses;

    /// <summary>How many global addresses were found beyond <see cref="Limit"/>.</summary>
    public int Beyond { get; private init; }

    /// <summary>
    /// Reads them in the calling thread's network namespace; the rendezvous addresses just
    /// <paramref name="claimed"/> come first (they are what a rendezvous scan probes), and are ours
    /// also beside a <paramref name="sourceAddress"/>.
    /// </summary>
    public static OwnAddresses Read(UInt128? sourceAddress, IReadOnlyList<UInt128>? claimed = null)
    {
        claimed ??= [];
        if (sourceAddress is { } source)
            return new OwnAddresses([.. claimed, source]);
        var all = LocalAddresses.Global(interfaceName: null);
        return new OwnAddresses([.. claimed, .. all]) { Beyond = Math.Max(0, claimed.Count + all.Count - Limit) };
    }

    /// <summary>A fixed set (tests).</summary>
    public static OwnAddresses Of(params UInt128[] addresses) => new(addresses);

    /// <summary>Whether <paramref name="address"/> is one of ours.</summary>
    public bool Contains(UInt128 address) => _addresses.Contains(address);
}
