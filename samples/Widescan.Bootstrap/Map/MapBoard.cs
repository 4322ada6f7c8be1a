using Microsoft.Extensions.Options;
using Widescan.Contracts;
using Widescan.Hosting;

namespace Widescan.Bootstrap.Map;

/// <summary>
/// The map the page shows: the latest scan's. A scan run's first <see cref="CellProgress"/> gives it a
/// map, which replaces the last one; the listener (no target space) reports no cells and never gets one.
/// </summary>
internal sealed class MapBoard(IOptions<WidescanHostOptions> options)
{
    private readonly Lock _lock = new();
    private ScanPlan? _plan;
    private volatile ScanMap? _current;
    private (string Run, ProgressReported Report)? _lastReport;

    public ScanMap? Current => _current;

    /// <summary>Takes one event of a run (the run's event loop: quick).</summary>
    public void Seen(string run, DiscoveryEvent e)
    {
        if (_current is { } map && map.Run == run)
        {
            map.Seen(e);
            return;
        }

        switch (e)
        {
            // A run's progress report comes just before its cells: kept for the map those make.
            case ProgressReported report:
                lock (_lock)
                    _lastReport = (run, report);
                break;
            case CellProgress:
                var fresh = new ScanMap(run, Plan());
                lock (_lock)
                {
                    if (_lastReport is { } last && last.Run == run)
                        fresh.Seen(last.Report);
                    _lastReport = null;
                }

                fresh.Seen(e);
                _current = fresh;
                break;
        }
    }

    // Read once, after the host bound and validated the options (the first scan's first cells).
    private ScanPlan Plan()
    {
        lock (_lock)
            return _plan ??= new ScanPlan(options.Value.Discovery);
    }
}
