using Widescan.Bootstrap.Map;

namespace Widescan.Bootstrap.Live;

/// <summary>Sends the current map to the open pages when it has changed, at most every <see cref="Interval"/>.</summary>
internal sealed class MapPublisher(MapBoard board, LiveFeed feed, TimeProvider? time = null) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ScanMap? sent = null;
        long version = -1;
        using var timer = new PeriodicTimer(Interval, time ?? TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (board.Current is not { } map || (ReferenceEquals(map, sent) && map.Version == version))
                    continue;
                var snapshot = map.Snapshot();
                (sent, version) = (map, snapshot.Version);
                feed.PublishMap(snapshot);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
