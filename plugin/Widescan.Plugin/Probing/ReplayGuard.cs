using System.Buffers.Binary;
using System.Security.Cryptography;
using Widescan.Contracts;

namespace Widescan.Plugin.Probing;

/// <summary>The replay guard's verdict on an authenticated announce.</summary>
internal enum Freshness : byte
{
    /// <summary>Inside the window and not seen before: accepted (and now remembered).</summary>
    Fresh,

    /// <summary>The timestamp is further from now than the window.</summary>
    Stale,

    /// <summary>Seen within the window, or the cache cannot remember it (fail closed).</summary>
    Replay,
}

/// <summary>
/// Rejects replayed authenticated messages: a timestamp window plus a bounded cache of what was seen
/// inside it: (node id, nonce) for an announce (each announce takes a new nonce), and (node id, nonce,
/// destination, timestamp) for a probe (every probe of a scan carries the scan's nonce, so a listener's
/// second address and a second round of probes must count as new). The cache holds a keyed 64-bit
/// fingerprint of each key in a fixed array probed linearly over a few slots; an entry is reusable
/// once its timestamp leaves the window, so memory never grows. When every probed slot still holds a
/// live entry the message is refused rather than forgetting a live one: only holders of the network
/// key reach this check (the MAC is verified first), so only they could fill it. Timestamps are the
/// wire's Unix microseconds.
/// </summary>
internal sealed class ReplayGuard
{
    private const int ProbeSlots = 8;

    private readonly TimeProvider _time;
    private readonly ulong _windowUs;
    private readonly Entry[] _entries;
    private readonly int _mask;
    private readonly ulong _hashKey0;
    private readonly ulong _hashKey1;

    /// <summary>Creates the guard.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="window">How far an announce's timestamp may be from now, either way.</param>
    /// <param name="capacity">Entries remembered; a power of two.</param>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive window or a capacity that is not a power of two of at least 16.</exception>
    public ReplayGuard(TimeProvider time, TimeSpan window, int capacity = 16384)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (window <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(window), window, "the replay window must be positive");
        if (capacity < 16 || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the nonce cache capacity must be a power of two of at least 16");
        _time = time;
        _windowUs = (ulong)(window.Ticks / TimeSpan.TicksPerMicrosecond);
        _entries = new Entry[capacity];
        _mask = capacity - 1;

        // A random hash key keeps a key holder from aiming many nonces at one run of slots.
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        _hashKey0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        _hashKey1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
    }

    /// <summary>The default window: generous enough for unsynchronised clocks, short enough to bound the cache.</summary>
    public static TimeSpan DefaultWindow { get; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks an authenticated announce and remembers it when fresh.</summary>
    public Freshness Check(NodeId nodeId, ulong nonce, ulong timestamp) =>
        Check(SipHash.Hash3(_hashKey0, _hashKey1, (ulong)(nodeId.Value >> 64), (ulong)nodeId.Value, nonce), timestamp);

    /// <summary>Checks an authenticated probe to <paramref name="destination"/> and remembers it when fresh.</summary>
    public Freshness CheckProbe(NodeId nodeId, ulong nonce, UInt128 destination, ulong timestamp)
    {
        // A different length (48 bytes) from the announce's three words keeps the two kinds of key apart.
        Span<byte> key = stackalloc byte[48];
        BinaryPrimitives.WriteUInt128LittleEndian(key, nodeId.Value);
        BinaryPrimitives.WriteUInt64LittleEndian(key[16..], nonce);
        BinaryPrimitives.WriteUInt128LittleEndian(key[24..], destination);
        BinaryPrimitives.WriteUInt64LittleEndian(key[40..], timestamp);
        return Check(SipHash.Hash(_hashKey0, _hashKey1, key), timestamp);
    }

    private Freshness Check(ulong fingerprint, ulong timestamp)
    {
        ulong now = WireFormat.Now(_time);
        ulong distance = timestamp > now ? timestamp - now : now - timestamp;
        if (distance > _windowUs)
            return Freshness.Stale;

        int start = (int)fingerprint & _mask;
        int free = -1;
        for (int i = 0; i < ProbeSlots; i++)
        {
            int index = (start + i) & _mask;
            ref var entry = ref _entries[index];
            bool live = entry.Expires > now;
            if (live && entry.Fingerprint == fingerprint)
                return Freshness.Replay;
            if (!live && free < 0)
                free = index;
        }

        if (free < 0)
            return Freshness.Replay;

        // The entry must outlive every moment at which the same timestamp is still inside the window.
        _entries[free] = new Entry(fingerprint, timestamp + _windowUs + 1);
        return Freshness.Fresh;
    }

    private readonly record struct Entry(ulong Fingerprint, ulong Expires);
}
