namespace Widescan.Bootstrap.Map;

/// <summary>The map the page shows: the latest scan's (a scheduled scan replaces the last one's when it starts).</summary>
internal sealed class MapBoard
{
    private volatile ScanMap? _current;

    public ScanMap? Current => _current;

    public void Show(ScanMap map) => _current = map;
}
