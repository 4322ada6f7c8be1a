using Widescan.Contracts;

namespace Widescan.Bootstrap.Map;

/// <summary>
/// The map of one scan run: per cell, the answers of each kind (alive, peer, unreachable, aliased),
/// and the run's progress (cursor of positions, send rate). Fed from the run's event loop, read by the
/// page's publisher; a lock, since the two are different threads and events come once per responder,
/// never per probe.
/// </summary>
/// <remarks>
/// Probes sent per cell are not in the events of this contracts version: the permutation spreads
/// each scan evenly over its space, so the page shades every cell by the run's share sent
/// (<see cref="MapSnapshot.SentFraction"/>). A contracts version with per-cell progress can fill
/// <see cref="MapSnapshot.Sent"/> instead, and the page draws that.
/// </remarks>
internal sealed class ScanMap(string run, MapGeometry geometry, int otherPrefixes)
{
    private const int Kinds = 4; // alive, peer, unreachable, aliased: the order of MapSnapshot.Cells
    private readonly Lock _lock = new();
    private readonly int[] _counts = new int[geometry.Cells * Kinds];
    private ScanProgress _progress;
    private ulong _outside;
    private string _status = "running";
    private long _version;

    public MapGeometry Geometry => geometry;

    /// <summary>Changes so far: the publisher sends a snapshot when this moves.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Seen(DiscoveryEvent e)
    {
        lock (_lock)
        {
            switch (e)
            {
                case HostAlive h: Count(geometry.CellOf(h.Address), 0); break;
                case PeerDiscovered p: Count(geometry.CellOf(p.Address), 1); break;
                case TargetUnreachable u: Count(geometry.CellOf(u.Address), 2); break;
                case PrefixAliased a:
                    var (first, count) = geometry.CellsOf(a.Prefix);
                    if (count == 0)
                        _outside++;
                    for (var cell = first; cell < first + count; cell++)
                        _counts[cell * Kinds + 3]++;
                    break;
                case ProgressReported r: _progress = r.Progress; break;
                case ScanFinished f:
                    _status = f.Summary.Status.ToString();
                    _progress = _progress with { ProbesSent = f.Summary.ProbesSent, Cursor = f.Summary.Cursor, Positions = f.Summary.Positions, SendRate = 0 };
                    break;
                default: return;
            }

            _version++;
        }
    }

    private void Count(int cell, int kind)
    {
        if (cell < 0)
            _outside++;
        else
            _counts[cell * Kinds + kind]++;
    }

    public MapSnapshot Snapshot()
    {
        lock (_lock)
        {
            var cells = new List<int>();
            for (var cell = 0; cell < geometry.Cells; cell++)
            {
                var at = cell * Kinds;
                if (_counts[at] + _counts[at + 1] + _counts[at + 2] + _counts[at + 3] == 0)
                    continue;
                cells.Add(cell);
                cells.AddRange(_counts.AsSpan(at, Kinds));
            }

            return new MapSnapshot(
                Run: run,
                Prefix: geometry.Prefix.ToString(),
                CellLength: geometry.CellLength,
                WindowLength: geometry.WindowLength,
                Order: geometry.Order,
                TargetsPerCellBits: geometry.TargetsPerCellBits,
                OtherPrefixes: otherPrefixes,
                Status: _status,
                ProbesSent: _progress.ProbesSent,
                Cursor: _progress.Cursor,
                Positions: _progress.Positions,
                SentFraction: _progress.Positions == 0 ? 0 : Math.Min(1, (double)_progress.Cursor / _progress.Positions),
                SendRate: _progress.SendRate,
                Outside: _outside,
                Cells: [.. cells],
                Sent: null,
                Version: _version);
        }
    }
}

/// <summary>What the page draws (JSON, camelCase).</summary>
/// <param name="Run">The scan run's name (<c>scheduled-2</c>).</param>
/// <param name="Prefix">The prefix drawn.</param>
/// <param name="CellLength">Each cell's sub-prefix length.</param>
/// <param name="WindowLength">The window length of a window scan, else 128.</param>
/// <param name="Order">k: 2^k cells a side, numbered along a Hilbert curve.</param>
/// <param name="TargetsPerCellBits">Each cell holds 2^this windows (or addresses).</param>
/// <param name="OtherPrefixes">Further included prefixes, scanned but not drawn.</param>
/// <param name="Status">running, or the summary's status when the run has ended.</param>
/// <param name="ProbesSent">Probes sent so far.</param>
/// <param name="Cursor">The cursor (positions done).</param>
/// <param name="Positions">The positions in all.</param>
/// <param name="SentFraction">Cursor / positions.</param>
/// <param name="SendRate">Probes per second over the last interval.</param>
/// <param name="Outside">Answers outside the drawn prefix.</param>
/// <param name="Cells">For each cell with an answer: index, alive, peer, unreachable, aliased (flattened).</param>
/// <param name="Sent">Probes sent per cell where the events say (index, count flattened), else null.</param>
/// <param name="Version">Changes so far.</param>
internal sealed record MapSnapshot(
    string Run,
    string Prefix,
    int CellLength,
    int WindowLength,
    int Order,
    int TargetsPerCellBits,
    int OtherPrefixes,
    string Status,
    ulong ProbesSent,
    ulong Cursor,
    ulong Positions,
    double SentFraction,
    double SendRate,
    ulong Outside,
    int[] Cells,
    long[]? Sent,
    long Version);
