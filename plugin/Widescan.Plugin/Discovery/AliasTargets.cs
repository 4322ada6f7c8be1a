using System.Buffers.Binary;
using Widescan.Contracts;
using Widescan.Plugin.Probing;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Chooses the addresses an alias test probes (pure): for a /L prefix, one keyed pseudo-random address
/// in each of its 16 sub-prefixes /(L+4), as the IPv6 Hitlist does, so a prefix that answers only in
/// part of its space (a dense /112 in a silent /64) is not taken for aliased. The draw is SipHash-2-4
/// under a key derived from the run's secret: the same addresses within a run, unpredictable to anyone
/// else (a network cannot answer exactly the addresses it expects us to test).
/// </summary>
/// <remarks>
/// An address is re-drawn (at most <see cref="Draws"/> times per sub-prefix, then that sub-prefix is
/// left out) when it is excluded (<see cref="TargetSpec.Exclude"/>), blocklisted (the reserved prefixes
/// unless <see cref="TargetSpec.AllowReserved"/>), or may be a target of the scan itself: the listener
/// reports each address once, so an alias probe answered first would swallow that target's own
/// result. A target may be any address of an include scanned address by address, and the identifiers
/// a fixed or low-range pattern fills into a window; the other patterns (random, EUI-64, rendezvous,
/// IPv4-embedded) fill a sparse set of the 2^(128-W) identifiers, which a random draw meets with
/// negligible odds, so only windows of fewer than 2^48 identifiers are avoided whole.
/// </remarks>
internal sealed class AliasTargets
{
    /// <summary>Sub-prefixes of a tested prefix: one nibble (4 bits) longer, so 16.</summary>
    public const int SubPrefixes = 16;

    /// <summary>Draws per sub-prefix before it is left out: an exclusion covering it whole ends the search quickly.</summary>
    public const int Draws = 4;

    private const ulong Label = 0x5753_414C_4941_5321UL; // "WSALIAS!": these keys differ from the validation tag's

    private readonly ulong _k0;
    private readonly ulong _k1;
    private readonly Ipv6Prefix[] _blocked;
    private readonly (Ipv6Prefix Prefix, int? Window)[] _includes;
    private readonly IidPattern? _iid;

    /// <param name="secret">The run's secret (<see cref="DiscoverySession.ScanSecret"/>).</param>
    /// <param name="length">The length of the tested prefixes (<see cref="WidescanOptions.AliasLength"/>).</param>
    /// <param name="spec">The scan's targets: their exclusions, blocklist and includes are avoided.</param>
    public AliasTargets(ReadOnlySpan<byte> secret, int length, TargetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 124);
        Length = length;
        var key0 = BinaryPrimitives.ReadUInt64LittleEndian(secret);
        var key1 = BinaryPrimitives.ReadUInt64LittleEndian(secret[8..]);
        _k0 = SipHash.Hash3(key0, key1, Label, 0, 0);
        _k1 = SipHash.Hash3(key0, key1, Label, 1, 0);
        _blocked = [.. spec.Exclude, .. spec.AllowReserved ? [] : ReservedPrefixes.Default.Select(r => r.Prefix)];
        _includes = [.. spec.MergedIncludes().Select(p => (p, spec.WindowOf(p)))];
        _iid = spec.Iid;
    }

    /// <summary>The length of the tested prefixes.</summary>
    public int Length { get; }

    /// <summary>The /<see cref="Length"/> prefix holding an address.</summary>
    public UInt128 PrefixOf(UInt128 address) => address & Ipv6Prefix.MaskOf(Length);

    /// <summary>
    /// Writes the alias addresses of the prefix at <paramref name="network"/> into <paramref name="into"/>
    /// (at least <see cref="SubPrefixes"/> long), one per sub-prefix in order, leaving out those whose
    /// draws all failed; returns how many were written.
    /// </summary>
    public int Choose(UInt128 network, Span<UInt128> into)
    {
        var bits = 128 - Length - 4; // the random part below the sub-prefix
        var low = bits == 0 ? UInt128.Zero : UInt128.MaxValue >> (128 - bits);
        var n = 0;
        for (var sub = 0; sub < SubPrefixes; sub++)
        {
            var subNetwork = network | ((UInt128)(uint)sub << bits);
            for (var draw = 0; draw < Draws; draw++)
            {
                var m = ((ulong)sub << 8) | (uint)draw;
                var hi = SipHash.Hash3(_k0, _k1, (ulong)(network >> 64), (ulong)network, m);
                var lo = SipHash.Hash3(_k1, _k0, (ulong)(network >> 64), (ulong)network, m);
                var address = subNetwork | (new UInt128(hi, lo) & low);
                if (Allowed(address))
                {
                    into[n++] = address;
                    break;
                }
            }
        }

        return n;
    }

    /// <summary>Whether an address may be an alias probe: not excluded, not blocklisted, not possibly a target.</summary>
    public bool Allowed(UInt128 address)
    {
        foreach (var prefix in _blocked)
        {
            if (prefix.Contains(address))
                return false;
        }

        foreach (var (prefix, window) in _includes)
        {
            if (prefix.Contains(address) && MayBeTarget(address, window))
                return false;
        }

        return true;
    }

    private bool MayBeTarget(UInt128 address, int? window)
    {
        if (window is not { } w || _iid is null)
            return true; // scanned address by address: every address of the include is a target
        var hostBits = 128 - w;
        var iid = hostBits == 0 ? UInt128.Zero : address & (UInt128.MaxValue >> (128 - hostBits));
        return _iid.Kind switch
        {
            IidPatternKind.Fixed or IidPatternKind.LowRange => iid >= _iid.First && iid <= _iid.Last,
            _ => hostBits < 48,
        };
    }
}
