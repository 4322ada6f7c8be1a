using Widescan.Contracts;
using Widescan.Plugin.Discovery;
using Widescan.Plugin.Transport;

namespace Widescan.Tests.Discovery;

/// <summary>
/// Runs the discovery module in-process inside a lab namespace: the run is started on a thread that
/// entered the namespace (the module opens its sockets and capture before its first await, so they
/// live there), then its events are read from any thread.
/// </summary>
internal static class ModuleInLab
{
    /// <summary>
    /// Options for a lab scan: the blocklist lifted (2001:db8::/32 is on it), no console log, a short
    /// cooldown, and no aliased-prefix detection (its probes leave the plan and add to the counts these
    /// tests check; AliasLabTests turns it on).
    /// </summary>
    public static WidescanOptions ScanOptions(string prefix, int rate = 50_000) => new()
    {
        Dealias = false,
        Targets = new TargetSpec { Include = [Ipv6Prefix.Parse(prefix)], AllowReserved = true, Seed = 7 },
        Generator = "cpu",
        Rate = rate,
        Cooldown = TimeSpan.FromSeconds(1.5),
        Log = new LogOptions { Console = false, StatsInterval = TimeSpan.FromSeconds(1) },
    };

    /// <summary>Starts a run in namespace <paramref name="ns"/>; the enumerator has taken its first step.</summary>
    public static Running Start(string ns, WidescanOptions options, CancellationToken cancellationToken)
    {
        NetnsLabGuard.AssertLabOptions(options);
        return NetworkNamespace.Run(ns, () =>
        {
            var events = DiscoveryModule.WithOwnParts().RunAsync(options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            return new Running(events, events.MoveNextAsync().AsTask());
        });
    }

    /// <summary>Runs to the end and returns every event.</summary>
    public static async Task<List<DiscoveryEvent>> RunAsync(string ns, WidescanOptions options, CancellationToken cancellationToken)
    {
        var running = Start(ns, options, cancellationToken);
        return await running.ToListAsync().ConfigureAwait(false);
    }

    /// <summary>A started run.</summary>
    internal sealed class Running(IAsyncEnumerator<DiscoveryEvent> events, Task<bool> first)
    {
        /// <summary>Reads events until <paramref name="last"/> says so, then leaves, as a host breaking out of its loop; disposing the enumerator ends the run.</summary>
        public async Task TakeAsync(Func<DiscoveryEvent, bool> last)
        {
            await using (events.ConfigureAwait(false))
            {
                for (var more = await first.ConfigureAwait(false); more; more = await events.MoveNextAsync().ConfigureAwait(false))
                {
                    if (last(events.Current))
                        return;
                }
            }
        }

        /// <summary>Reads every event to the end, showing each to <paramref name="seen"/> as it comes.</summary>
        public async Task<List<DiscoveryEvent>> ToListAsync(Action<DiscoveryEvent>? seen = null)
        {
            var list = new List<DiscoveryEvent>();
            await using (events.ConfigureAwait(false))
            {
                if (!await first.ConfigureAwait(false))
                    return list;
                list.Add(events.Current);
                seen?.Invoke(events.Current);
                while (await events.MoveNextAsync().ConfigureAwait(false))
                {
                    list.Add(events.Current);
                    seen?.Invoke(events.Current);
                }
            }

            return list;
        }
    }
}

/// <summary>What every module run of the tests must keep to: targets inside 2001:db8::/32 only.</summary>
internal static class NetnsLabGuard
{
    public static void AssertLabOptions(WidescanOptions options)
    {
        var documentation = Ipv6Prefix.Parse("2001:db8::/32");
        foreach (var prefix in options.Targets?.Include ?? [])
            Assert.That(documentation.Contains(prefix), Is.True, $"{prefix} is outside 2001:db8::/32; the lab sends nowhere else");
    }
}
