using System.Runtime.CompilerServices;
using Widescan.Contracts;

namespace Widescan.Bootstrap;

/// <summary>
/// The discovery module with every run's events shown to the page (<see cref="RunObserver"/>) on their
/// way to the host: Widescan.Hosting hands a host only the peers, while the map needs each scheduled
/// scan's progress and answers, and its target space. A decorator sees them whatever the module's
/// source (the plugin referenced directly, or a plugin folder).
/// </summary>
internal sealed class ObservedModule(IDiscoveryModule inner, RunObserver observer) : IDiscoveryModule
{
    /// <inheritdoc />
    public string Name => inner.Name;

    /// <inheritdoc />
    public async IAsyncEnumerable<DiscoveryEvent> RunAsync(WidescanOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var run = observer.Starting(options);
        await foreach (var e in inner.RunAsync(options, cancellationToken).ConfigureAwait(false))
        {
            // Quick (counters and a dictionary): the run's event loop waits for it.
            observer.Seen(run, e);
            yield return e;
        }
    }
}
