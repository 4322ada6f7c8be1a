using Widescan.Contracts;

namespace Widescan.Bootstrap.Map;

/// <summary>
/// The map of one scan run: its latest <see cref="CellProgress"/> (one grid per include prefix, each
/// cell's probes and answers counted by the plugin), and its progress (cursor of positions, send rate).
/// Fed from the run's event loop, read by the page's publisher; a lock, since the two are different
/// threads and the events come once per stats interval, never per probe.
/// </summary>
/// <param name="run">The run's name, as Widescan.Hosting gives it (<c>scheduled-2</c>).</param>
/// <param name="plan">What the configured scan puts in each cell: what "all probed" means on the page.</param>
internal sealed class ScanMap(string run, ScanPlan plan)
{
    private readonly Lock _lock = new();
    private IReadOnlyList<CellGrid> _grids = [];
    private ScanProgress _progress;
    private string _status = "running";
    private long _version;

    public string Run => run;

    /// <summary>Changes so far: the publisher sends a snapshot when this moves.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Takes one event of the run; false for one the map does not draw.</summary>
    public bool Seen(DiscoveryEvent e)
    {
        lock (_lock)
        {
            switch (e)
            {
                // Cumulative counts in fresh arrays (the plugin never writes them again): kept as they are.
                case CellProgress cells: _grids = cells.Grids; break;
                case ProgressReported r: _progress = r.Progress; break;
                case ScanFinished f:
                    _status = f.Summary.Status.ToString();
                    _progress = _progress with { ProbesSent = f.Summary.ProbesSent, Cursor = f.Summary.Cursor, Positions = f.Summary.Positions, SendRate = 0 };
                    break;
                default: return false;
            }

            _version++;
            return true;
        }
    }

    public MapSnapshot Snapshot()
    {
        lock (_lock)
        {
            var grids = new GridSnapshot[_grids.Count];
            for (var g = 0; g < grids.Length; g++)
                grids[g] = Grid(_grids[g]);
            return new MapSnapshot(
                Run: run,
                Status: _status,
                ProbesSent: _progress.ProbesSent,
                Cursor: _progress.Cursor,
                Positions: _progress.Positions,
                SendRate: _progress.SendRate,
                Grids: grids,
                Version: _version);
        }
    }

    private GridSnapshot Grid(CellGrid grid)
    {
        var cells = grid.Cells.Span;
        var probes = new ulong[cells.Length];
        var answers = new List<ulong>();
        ulong total = 0;
        var answered = 0;
        for (var i = 0; i < cells.Length; i++)
        {
            var c = cells[i];
            probes[i] = c.Probes;
            total += c.Probes;
            if (c.Alive + c.Peers + c.Unreachable + c.Aliased == 0)
                continue;
            answered++;
            answers.AddRange([(ulong)i, c.Alive, c.Peers, c.Unreachable, c.Aliased]);
        }

        return new GridSnapshot(
            Prefix: grid.Prefix.ToString(),
            CellLength: grid.CellLength,
            WindowLength: plan.WindowOf(grid.Prefix),
            Order: int.Log2(Math.Max(1, cells.Length)) / 2,
            ProbesPerCell: plan.ProbesPerCell(grid.Prefix, grid.CellLength),
            Probes: total,
            AnsweredCells: answered,
            CellProbes: probes,
            Answers: [.. answers]);
    }
}

/// <summary>What the page draws (JSON, camelCase): one scan's progress and its grids.</summary>
/// <param name="Run">The scan run's name (<c>scheduled-2</c>).</param>
/// <param name="Status">running, or the summary's status when the run has ended.</param>
/// <param name="ProbesSent">Probes sent so far.</param>
/// <param name="Cursor">The cursor (positions done).</param>
/// <param name="Positions">The positions in all.</param>
/// <param name="SendRate">Probes per second over the last interval.</param>
/// <param name="Grids">One per include prefix, in address order (the plugin's <see cref="CellProgress.Grids"/>).</param>
/// <param name="Version">Changes so far.</param>
internal sealed record MapSnapshot(
    string Run,
    string Status,
    ulong ProbesSent,
    ulong Cursor,
    ulong Positions,
    double SendRate,
    GridSnapshot[] Grids,
    long Version);

/// <summary>One include prefix's cells (JSON, camelCase).</summary>
/// <param name="Prefix">The include prefix.</param>
/// <param name="CellLength">Each cell's sub-prefix length.</param>
/// <param name="WindowLength">The window length of a window scan (each window probed at its identifiers), else null.</param>
/// <param name="Order">k: 2^k cells a side, cell i at distance i of a Hilbert curve.</param>
/// <param name="ProbesPerCell">The probes a whole cell takes (its targets times probes per target), or null when the targets are not the configured ones.</param>
/// <param name="Probes">Probes counted in the grid's cells.</param>
/// <param name="AnsweredCells">Cells with at least one answer.</param>
/// <param name="CellProbes">Probes sent per cell, every cell in index order.</param>
/// <param name="Answers">For each cell with an answer: index, alive, peers, unreachable, aliased (flattened).</param>
internal sealed record GridSnapshot(
    string Prefix,
    int CellLength,
    int? WindowLength,
    int Order,
    double? ProbesPerCell,
    ulong Probes,
    int AnsweredCells,
    ulong[] CellProbes,
    ulong[] Answers);
