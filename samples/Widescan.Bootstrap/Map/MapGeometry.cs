using Widescan.Contracts;

namespace Widescan.Bootstrap.Map;

/// <summary>
/// How a scan's target space becomes the cells of the map: the first included prefix P/L is cut into
/// 4^k sub-prefixes of length L + 2k (one cell each, numbered in address order, which the page lays
/// along a Hilbert curve so that neighbouring sub-prefixes stay neighbours on screen). k is as large
/// as the scanned bits allow, up to <see cref="MaxOrder"/>: a /112 gives 128 x 128 cells of /126 (4
/// addresses each); a window scan of a /32 by /64s gives 128 x 128 cells of /46, each 2^18 windows.
/// </summary>
internal sealed class MapGeometry
{
    /// <summary>At most 2^7 x 2^7 = 16,384 cells: a canvas of 512 px shows each as 4 x 4 px.</summary>
    public const int MaxOrder = 7;

    private readonly int _shift;

    private MapGeometry(Ipv6Prefix prefix, int scannedBits, int order, int windowLength)
    {
        Prefix = prefix;
        ScannedBits = scannedBits;
        Order = order;
        WindowLength = windowLength;
        CellLength = prefix.Length + 2 * order;
        _shift = 128 - CellLength;
    }

    /// <summary>The prefix the map draws (the first include of the scan).</summary>
    public Ipv6Prefix Prefix { get; }

    /// <summary>The bits the scan varies inside <see cref="Prefix"/>: its host bits, or the window's bits in a window scan.</summary>
    public int ScannedBits { get; }

    /// <summary>k: the map is 2^k cells a side.</summary>
    public int Order { get; }

    /// <summary>The length of each cell's sub-prefix.</summary>
    public int CellLength { get; }

    /// <summary>The window's length in a window scan (each window is probed at its IID pattern), else 128.</summary>
    public int WindowLength { get; }

    /// <summary>Cells in all (4^k).</summary>
    public int Cells => 1 << (2 * Order);

    /// <summary>Cells a side (2^k).</summary>
    public int Side => 1 << Order;

    /// <summary>The scan's windows (or addresses) each cell holds, as a power of two.</summary>
    public int TargetsPerCellBits => ScannedBits - 2 * Order;

    /// <summary>The map of a scan's targets, or null for a scan of an address list (no prefix to draw).</summary>
    public static MapGeometry? For(TargetSpec targets)
    {
        var includes = targets.MergedIncludes();
        if (includes.Count == 0)
            return null;
        var prefix = includes[0];
        var window = targets.WindowOf(prefix) ?? 128;
        var scanned = Math.Max(0, window - prefix.Length);
        return new MapGeometry(prefix, scanned, Math.Min(MaxOrder, scanned / 2), window);
    }

    /// <summary>The cell of an address, or -1 outside <see cref="Prefix"/>.</summary>
    public int CellOf(UInt128 address) =>
        Prefix.Contains(address) ? (int)((address - Prefix.Network) >> _shift) : -1;

    /// <summary>The cells a prefix overlaps (first, count), or count 0 when it is outside the map.</summary>
    public (int First, int Count) CellsOf(Ipv6Prefix prefix)
    {
        if (prefix.Contains(Prefix))
            return (0, Cells);
        if (!Prefix.Contains(prefix))
            return (0, 0);
        var first = CellOf(prefix.Network);
        return (first, prefix.Length >= CellLength ? 1 : 1 << (CellLength - prefix.Length));
    }
}
