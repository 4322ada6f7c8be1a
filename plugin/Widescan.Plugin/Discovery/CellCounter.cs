using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The counters behind <see cref="CellProgress"/>: each merged include prefix cut into
/// <see cref="WidescanOptions.CellsOf"/> equal cells, one flat array per kind of count. The cell of an
/// address is <c>(address - prefix) &gt;&gt; (128 - cell length)</c>, its grid found by binary search over
/// the sorted, disjoint includes: no allocation per address. Probes are counted per completed batch by
/// the pipeline's recycler (one writer), answers by the event pump (one writer); a snapshot may read
/// the probes a batch behind, never torn (64-bit reads).
/// </summary>
internal sealed class CellCounter
{
    private readonly Ipv6Prefix[] _prefixes;
    private readonly int[] _cellLengths;
    private readonly int[] _firstCell; // the flat index of each grid's first cell
    private readonly ulong[] _probes;
    private readonly ulong[] _alive;
    private readonly ulong[] _peers;
    private readonly ulong[] _unreachable;
    private readonly ulong[] _aliased;

    /// <summary>Cuts each of <paramref name="includes"/> (sorted, disjoint: <see cref="TargetSpec.MergedIncludes"/>) into up to <paramref name="cells"/> cells.</summary>
    public CellCounter(IReadOnlyList<Ipv6Prefix> includes, int cells)
    {
        _prefixes = [.. includes];
        _cellLengths = new int[_prefixes.Length];
        _firstCell = new int[_prefixes.Length + 1];
        for (var g = 0; g < _prefixes.Length; g++)
        {
            var count = WidescanOptions.CellsOf(_prefixes[g], cells);
            _cellLengths[g] = _prefixes[g].Length + int.Log2(count);
            _firstCell[g + 1] = _firstCell[g] + count;
        }

        var total = _firstCell[^1];
        _probes = new ulong[total];
        _alive = new ulong[total];
        _peers = new ulong[total];
        _unreachable = new ulong[total];
        _aliased = new ulong[total];
    }

    /// <summary>The counter of a run's options; null when they ask for no cells or the run scans nothing.</summary>
    public static CellCounter? For(WidescanOptions options) =>
        options.ProgressCells > 0 && !options.ListenOnly && options.Targets is { HasTargetFiles: false } spec
            ? new CellCounter(spec.MergedIncludes(), options.ProgressCells)
            : null;

    /// <summary>Cells over all grids.</summary>
    public int Cells => _probes.Length;

    /// <summary>The flat index of the cell holding <paramref name="address"/>; -1 outside every include.</summary>
    public int IndexOf(UInt128 address)
    {
        // The last grid starting at or before the address.
        int lo = 0, hi = _prefixes.Length - 1, grid = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_prefixes[mid].Network <= address)
            {
                grid = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        if (grid < 0 || !_prefixes[grid].Contains(address))
            return -1;
        return _firstCell[grid] + (int)((address - _prefixes[grid].Network) >> (128 - _cellLengths[grid]));
    }

    /// <summary>Counts a completed batch: <paramref name="probesEach"/> probes to every target (the recycler's thread).</summary>
    public void CountProbes(ReadOnlySpan<UInt128> targets, int probesEach)
    {
        var each = (ulong)probesEach;
        foreach (var target in targets)
        {
            var cell = IndexOf(target);
            if (cell >= 0)
                Volatile.Write(ref _probes[cell], _probes[cell] + each);
        }
    }

    /// <summary>A live host reported (the pump's thread).</summary>
    public void CountAlive(UInt128 address) => Add(_alive, address);

    /// <summary>A peer address reported for the first time (the pump's thread).</summary>
    public void CountPeer(UInt128 address) => Add(_peers, address);

    /// <summary>A target an ICMPv6 error answered for (the pump's thread).</summary>
    public void CountUnreachable(UInt128 address) => Add(_unreachable, address);

    /// <summary>An aliased prefix, counted in the cell of its first address (the pump's thread).</summary>
    public void CountAliased(Ipv6Prefix prefix) => Add(_aliased, prefix.Network);

    /// <summary>The counts so far, cumulative, as the event a host gets.</summary>
    public CellProgress Snapshot(DateTimeOffset now)
    {
        var counts = new CellCounts[_probes.Length];
        for (var i = 0; i < counts.Length; i++)
            counts[i] = new CellCounts(Volatile.Read(ref _probes[i]), _alive[i], _peers[i], _unreachable[i], _aliased[i]);
        var grids = new CellGrid[_prefixes.Length];
        for (var g = 0; g < grids.Length; g++)
            grids[g] = new CellGrid(_prefixes[g], _cellLengths[g], counts.AsMemory(_firstCell[g], _firstCell[g + 1] - _firstCell[g]));
        return new CellProgress(now, grids);
    }

    private void Add(ulong[] counts, UInt128 address)
    {
        var cell = IndexOf(address);
        if (cell >= 0)
            counts[cell]++;
    }
}
