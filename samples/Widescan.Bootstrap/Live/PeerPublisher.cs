namespace Widescan.Bootstrap.Live;

/// <summary>Sends the changed peer rows to the open pages every <see cref="LiveFeed.PeerInterval"/> (<see cref="LiveFeed.FlushPeers"/>).</summary>
internal sealed class PeerPublisher(LiveFeed feed, TimeProvider? time = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(LiveFeed.PeerInterval, time ?? TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                feed.FlushPeers();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
