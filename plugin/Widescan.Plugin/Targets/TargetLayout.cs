namespace Widescan.Plugin.Targets;

/// <summary>How the identifier bits [window, 128) of a target are filled (a kernel-friendly form of the IID pattern).</summary>
internal enum IidFill
{
    /// <summary>First + identifier index: no window (First = 0), fixed, low-byte range and IPv4-embedded patterns.</summary>
    Offset = 0,

    /// <summary>A keyed hash of the subnet, masked to the identifier bits.</summary>
    Random = 1,

    /// <summary>A modified EUI-64 of OUI[index / 2^24] and the 24 low bits of the index.</summary>
    Eui64 = 2,

    /// <summary>
    /// The rendezvous identifier (<see cref="RendezvousIid"/>) of the /64, slot = index, under the first
    /// key; with a second key, indexes from the slot count on are its slots (index - slots).
    /// </summary>
    Rendezvous = 3,

    /// <summary>An address list (<see cref="Contracts.TargetSpec.TargetFiles"/>): index k is the list's k-th address, no segment or identifier.</summary>
    List = 4,
}

/// <summary>
/// One contiguous run of the target space after exclusions and the blocklist are subtracted: subnets
/// from <see cref="BaseHi"/>:<see cref="BaseLo"/> upwards, holding the indexes from <see cref="Start"/>
/// up to the next segment's start.
/// </summary>
internal struct TargetSegment
{
    /// <summary>The first subnet's address (identifier bits zero), high and low 64 bits.</summary>
    public ulong BaseHi, BaseLo;

    /// <summary>The first index of [0, N) that falls in this segment (the prefix sum of the ones before).</summary>
    public ulong Start;

    /// <summary>The identifier bits of this segment's subnets: 128 minus its window (0 without one).</summary>
    public int HostShift;

    /// <summary>The mask of those identifier bits (random identifiers are cut to it).</summary>
    public ulong IidMaskHi, IidMaskLo;
}

/// <summary>
/// Everything but the tables that maps an index of [0, N) to a target: the IID pattern, in plain fields
/// so that an ILGPU kernel can take it by value (each segment carries its own window).
/// </summary>
internal struct TargetLayout
{
    /// <summary>log2 of the identifiers per subnet when that is a power of two, else -1 (then <see cref="PerSubnet"/> divides).</summary>
    public int PerSubnetShift;

    /// <summary>The identifiers per subnet when not a power of two (then below 2^64).</summary>
    public ulong PerSubnet;

    /// <summary>How identifiers are filled.</summary>
    public IidFill Fill;

    /// <summary>The first identifier (Offset fill).</summary>
    public ulong FirstHi, FirstLo;

    /// <summary>The keys of random identifiers, derived from the seed.</summary>
    public ulong RandomKey0, RandomKey1;

    /// <summary>Rendezvous: SipHash key words of the secret (and of the next secret, when probing both).</summary>
    public ulong RendezvousK0, RendezvousK1, NextK0, NextK1;

    /// <summary>Rendezvous: the slots per key; identifier indexes at or above it belong to the next key.</summary>
    public ulong RendezvousSlots;

    /// <summary>How many segments the table holds (at least 1 when N &gt; 0).</summary>
    public int SegmentCount;
}
