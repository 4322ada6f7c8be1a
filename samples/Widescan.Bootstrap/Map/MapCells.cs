using Widescan.Contracts;

namespace Widescan.Bootstrap.Map;

/// <summary>How many cells the map asks of the plugin (<see cref="WidescanOptions.ProgressCells"/>).</summary>
internal static class MapCells
{
    /// <summary>
    /// The configured cells per include prefix, divided by 4 until all the includes together stay within
    /// <see cref="WidescanOptions.MaxProgressCellsTotal"/> (16,384 each fits 4 prefixes, 4,096 each 16),
    /// so that adding prefixes coarsens the map instead of failing every scan; 0 (no map, the scans still
    /// run) for a scan of address lists, which has no prefixes to cut, or for more includes than even
    /// 4 cells each allow.
    /// </summary>
    public static int Fit(WidescanOptions discovery)
    {
        if (discovery.ProgressCells <= 0 || discovery.Targets is not { } targets || targets.HasTargetFiles)
            return 0;
        var includes = targets.MergedIncludes();
        for (var cells = discovery.ProgressCells; cells >= 4; cells /= 4)
        {
            if (includes.Sum(p => (long)WidescanOptions.CellsOf(p, cells)) <= WidescanOptions.MaxProgressCellsTotal)
                return cells;
        }

        return 0;
    }
}
