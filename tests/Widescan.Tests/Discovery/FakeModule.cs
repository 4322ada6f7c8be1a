using System.Runtime.CompilerServices;
using Widescan.Contracts;

namespace Widescan.Tests.Discovery;

/// <summary>A discovery module that plays back given events (and then maybe throws): the host's side of the contract without any network.</summary>
internal sealed class FakeModule(IEnumerable<DiscoveryEvent> events, Exception? thenThrow = null) : IDiscoveryModule
{
    public string Name => "discovery";

    public WidescanOptions? Options { get; private set; }

    /// <summary>Events the host took (asked for).</summary>
    public int Taken { get; private set; }

    public async IAsyncEnumerable<DiscoveryEvent> RunAsync(WidescanOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Options = options;
        foreach (var e in events)
        {
            await Task.Yield();
            Taken++;
            yield return e;
        }

        if (thenThrow is not null)
            throw thenThrow;
    }
}
