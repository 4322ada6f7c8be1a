using Widescan.Contracts;

namespace Widescan.Bootstrap.Map;

/// <summary>
/// What the configured scan (the scheduled scans' <see cref="WidescanOptions.Targets"/>) puts in each
/// cell of a grid: the cell counts say how many probes went out, this says how many a whole cell takes,
/// so the page can shade a cell by its share probed. A grid of another include (an on-demand scan of
/// other targets) is unknown here: the page then shades it against its busiest cell.
/// </summary>
internal sealed class ScanPlan
{
    private readonly TargetSpec? _targets;
    private readonly HashSet<Ipv6Prefix> _includes;
    private readonly int _probesPerTarget;

    public ScanPlan(WidescanOptions discovery)
    {
        _targets = discovery.Targets;
        _includes = _targets is null || _targets.HasTargetFiles ? [] : [.. _targets.MergedIncludes()];
        _probesPerTarget = Math.Max(1, discovery.ProbesPerTarget);
    }

    /// <summary>The window length of a configured include in a window scan, else null (every address, or not configured).</summary>
    public int? WindowOf(Ipv6Prefix prefix) => _includes.Contains(prefix) ? _targets!.WindowOf(prefix) : null;

    /// <summary>
    /// The probes a whole cell of /<paramref name="cellLength"/> inside a configured include takes: its
    /// targets (addresses, or windows times the identifiers the pattern gives each) times the probes per
    /// target; null for an include not configured. Exclusions are not subtracted: an excluded cell shows as
    /// probed in part, which it is.
    /// </summary>
    public double? ProbesPerCell(Ipv6Prefix prefix, int cellLength)
    {
        if (!_includes.Contains(prefix))
            return null;
        var targets = _targets!.WindowOf(prefix) is { } window && _targets.Iid is { } iid
            ? Math.Pow(2, Math.Max(0, window - cellLength)) * (double)iid.CountPerSubnet
            : Math.Pow(2, 128 - cellLength);
        return targets * _probesPerTarget;
    }
}
