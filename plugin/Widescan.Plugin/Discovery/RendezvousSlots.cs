using Serilog;
using Widescan.Contracts;
using Widescan.Plugin.Targets;
using Widescan.Plugin.Transport;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The slot search of a rendezvous claim, one state per (/64, key), driven together by one loop on
/// the namespace's thread: add the slot's address (DAD on), wait while it is tentative, and on
/// dadfailed delete it and ask who holds it. A settled member answers our Neighbor Solicitation: the
/// slot is taken, try the next at once. Nobody answers: another member was claiming it at the same
/// moment (both fail, RFC 4862 5.4.3) and has deleted it too: retry the lowest free slot after a
/// random delay that doubles with each collision, so two members that start at once settle on
/// different slots. Every slot taken is a warning.
/// </summary>
internal sealed class RendezvousSlots(AddressNetlink netlink, ILogger log, int slots, uint lifetime, TimeProvider time)
{
    /// <summary>Collisions on one slot before it counts as taken (a holder that never answers solicitations).</summary>
    internal const int MaxCollisions = 4;

    /// <summary>How long a solicitation waits for the holder of a slot that failed DAD.</summary>
    internal static readonly TimeSpan HolderWait = TimeSpan.FromMilliseconds(600);

    /// <summary>The longest DAD may keep an address tentative before the claim gives it up.</summary>
    internal static readonly TimeSpan TentativeLimit = TimeSpan.FromSeconds(10);

    private const int EExist = 17;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    private readonly List<Entry> _entries = [];

    private enum State
    {
        Waiting,
        Tentative,
        Held,
        GaveUp,
    }

    /// <summary>Adds a /64 and key to claim in.</summary>
    public void Add(RendezvousLink link, ulong k0, ulong k1, string keyId) => _entries.Add(new Entry(link, k0, k1, keyId));

    /// <summary>Runs every claim until each holds a slot or gives up, at most <paramref name="limit"/>; returns what is held.</summary>
    /// <exception cref="IOException">Netlink failed.</exception>
    public List<(RendezvousLink Link, UInt128 Address)> Settle(TimeSpan limit)
    {
        var started = time.GetTimestamp();
        while (_entries.Any(e => e.State is State.Waiting or State.Tentative))
        {
            if (time.GetElapsedTime(started) > limit)
            {
                foreach (var e in _entries.Where(e => e.State is State.Waiting or State.Tentative))
                {
                    if (e.State == State.Tentative)
                        _ = netlink.Delete(e.Link.Index, e.Address);
                    e.State = State.GaveUp;
                    log.Warning("Rendezvous: no slot of {Prefix} settled within {Limit} s (members keep colliding, or DAD never ends); it is not claimed", e.Prefix, limit.TotalSeconds);
                }

                break;
            }

            foreach (var e in _entries)
            {
                if (e.State == State.Waiting && time.GetTimestamp() >= e.Due)
                {
                    if (!Begin(e))
                        return Abandon();
                }
                else if (e.State == State.Tentative)
                {
                    Check(e);
                }
            }

            Thread.Sleep(Poll);
        }

        return [.. _entries.Where(e => e.State == State.Held).Select(e => (e.Link, e.Address))];
    }

    /// <summary>Adds the entry's current slot; false when the kernel refuses every claim (no CAP_NET_ADMIN).</summary>
    private bool Begin(Entry e)
    {
        e.Address = RendezvousIid.Address(e.K0, e.K1, (UInt128)e.Link.PrefixHi << 64, e.Slot);
        var errno = netlink.Add(e.Link.Index, e.Address, lifetime, 0, replace: false);
        if (errno == EExist)
        {
            // Already here: an earlier run of ours left it (a killed listener), or DAD failed on it.
            if (netlink.Flags(e.Link.Index, e.Address) is { } flags && (flags & AddressNetlink.DadFailed) == 0 && netlink.Add(e.Link.Index, e.Address, lifetime, 0, replace: true) == 0)
            {
                e.TentativeSince = time.GetTimestamp();
                e.State = State.Tentative;
                return true;
            }

            _ = netlink.Delete(e.Link.Index, e.Address);
            errno = netlink.Add(e.Link.Index, e.Address, lifetime, 0, replace: false);
        }

        if (errno == LibC.EPERM)
        {
            log.Warning("Rendezvous: the kernel refused to add {Address} to {Interface}: CAP_NET_ADMIN is missing (EPERM); grant it to this process (AmbientCapabilities=CAP_NET_ADMIN in deploy/widescan.service, or a container given the NET_ADMIN capability; docs/deploy.md), or add the address statically (print it with `widescan rendezvous`); the listener answers at its ordinary addresses",
                Ipv6Address.Format(e.Address), e.Link.Interface);
            return false;
        }

        if (errno != 0)
        {
            log.Warning("Rendezvous: the kernel refused to add {Address} to {Interface}: {Reason}; it is not claimed (add it statically: `widescan rendezvous` prints it)",
                Ipv6Address.Format(e.Address), e.Link.Interface, LibC.Describe(errno));
            e.State = State.GaveUp;
            return true;
        }

        e.TentativeSince = time.GetTimestamp();
        e.State = State.Tentative;
        return true;
    }

    private void Check(Entry e)
    {
        var flags = netlink.Flags(e.Link.Index, e.Address);
        if (flags is { } f && (f & AddressNetlink.DadFailed) == 0)
        {
            if ((f & AddressNetlink.Tentative) == 0)
            {
                e.State = State.Held;
                log.Information("Rendezvous: claimed {Address} on {Interface} (slot {Slot} of {Prefix}, key id {KeyId}), valid {Lifetime} s, renewed every {Refresh} s, never a source of this host's own traffic",
                    Ipv6Address.Format(e.Address), e.Link.Interface, e.Slot, e.Prefix, e.KeyId, lifetime, lifetime / 3);
                return;
            }

            if (time.GetElapsedTime(e.TentativeSince) < TentativeLimit)
                return;
            log.Warning("Rendezvous: {Address} on {Interface} stayed tentative for {Limit} s; it is not claimed", Ipv6Address.Format(e.Address), e.Link.Interface, TentativeLimit.TotalSeconds);
            _ = netlink.Delete(e.Link.Index, e.Address);
            e.State = State.GaveUp;
            return;
        }

        // DAD failed (or the address vanished): someone else has it, or is claiming it right now.
        _ = netlink.Delete(e.Link.Index, e.Address);
        if (HeldByAnother(e) || ++e.Collisions >= MaxCollisions)
        {
            e.Collisions = 0;
            if (++e.Slot >= slots)
            {
                e.State = State.GaveUp;
                log.Warning("Rendezvous: all {Slots} slots of {Prefix} on {Interface} are taken by other members (key id {KeyId}); none is claimed here: raise Rendezvous.Slots on every member, or configure an address statically",
                    slots, e.Prefix, e.Link.Interface, e.KeyId);
                return;
            }

            e.Due = time.GetTimestamp();
        }
        else
        {
            // A collision: back off at random, doubling, then try the lowest slot not known taken.
            var window = TimeSpan.FromSeconds(1 << e.Collisions);
            e.Due = time.GetTimestamp() + (long)(Random.Shared.NextDouble() * window.TotalSeconds * time.TimestampFrequency);
            log.Debug("Rendezvous: slot {Slot} of {Prefix} collided with another member's claim; retrying within {Window} s", e.Slot, e.Prefix, window.TotalSeconds);
        }

        e.State = State.Waiting;
    }

    /// <summary>Whether a settled member answers a Neighbor Solicitation for the slot's address (a holder must).</summary>
    private bool HeldByAnother(Entry e)
    {
        try
        {
            return GatewayResolver.Resolve(e.Link.Interface, e.Address, e.Link.OwnAddress, HolderWait, time) is not null;
        }
        catch (Exception ex) when (ex is IOException or MissingCapabilityException)
        {
            return true; // not Ethernet, or no packet socket: cannot tell a collision from a holder, so move on
        }
    }

    /// <summary>The kernel refuses to add addresses: removes what was added and claims nothing.</summary>
    private List<(RendezvousLink, UInt128)> Abandon()
    {
        foreach (var e in _entries.Where(e => e.State is State.Tentative or State.Held))
            _ = netlink.Delete(e.Link.Index, e.Address);
        return [];
    }

    private sealed class Entry(RendezvousLink link, ulong k0, ulong k1, string keyId)
    {
        public RendezvousLink Link { get; } = link;
        public ulong K0 { get; } = k0;
        public ulong K1 { get; } = k1;
        public string KeyId { get; } = keyId;
        public string Prefix => $"{Ipv6Address.Format((UInt128)Link.PrefixHi << 64)}/64";
        public State State { get; set; }
        public int Slot { get; set; }
        public int Collisions { get; set; }
        public long Due { get; set; }
        public long TentativeSince { get; set; }
        public UInt128 Address { get; set; }
    }
}
