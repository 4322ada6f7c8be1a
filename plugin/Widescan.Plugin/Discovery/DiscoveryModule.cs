using System.Composition;
using System.Runtime.CompilerServices;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The "discovery" module: wires a generator (any plugin's, chosen by name), the broadcaster and the
/// listener from <see cref="WidescanOptions"/>, and reports what the run finds. Its parts come from
/// the host's MEF container, so a generator of another plugin serves it without recompiling.
/// </summary>
[Export(typeof(IDiscoveryModule))]
[ExportMetadata("Name", "discovery")]
[ExportMetadata("Kind", PartKinds.Module)]
[ExportMetadata(ContractsVersion.MetadataName, ContractsVersion.Current)]
internal sealed class DiscoveryModule : IDiscoveryModule
{
    private readonly IReadOnlyList<Lazy<IAddressGenerator, PartMetadata>> _generators;
    private readonly IReadOnlyList<Lazy<IProbeBroadcaster, PartMetadata>> _broadcasters;
    private readonly IReadOnlyList<Lazy<IDiscoveryListener, PartMetadata>> _listeners;

    /// <summary>Composed by MEF over every loaded plugin.</summary>
    [ImportingConstructor]
    public DiscoveryModule(
        [ImportMany] IEnumerable<Lazy<IAddressGenerator, PartMetadata>> generators,
        [ImportMany] IEnumerable<Lazy<IProbeBroadcaster, PartMetadata>> broadcasters,
        [ImportMany] IEnumerable<Lazy<IDiscoveryListener, PartMetadata>> listeners)
    {
        _generators = generators.ToList();
        _broadcasters = broadcasters.ToList();
        _listeners = listeners.ToList();
    }

    /// <summary>The plugin's own parts, without MEF (tests; hosts use <see cref="WidescanPlugin.CreateModule()"/>).</summary>
    internal static DiscoveryModule WithOwnParts() => new(WidescanPlugin.Generators(), WidescanPlugin.Broadcasters(), WidescanPlugin.Listeners());

    /// <inheritdoc />
    public string Name => "discovery";

    /// <inheritdoc />
    public IAsyncEnumerable<DiscoveryEvent> RunAsync(WidescanOptions options, CancellationToken cancellationToken = default) =>
        RunAsync(options, scanSecret: null, cancellationToken);

    /// <summary>A run with a given scan secret (tests check the validation tags of a dry run's probes); a random one when null.</summary>
    internal async IAsyncEnumerable<DiscoveryEvent> RunAsync(WidescanOptions options, byte[]? scanSecret, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();

        // A dry run writes its probes to a file and listens to nothing: no privilege, no socket, and
        // no cooldown (nothing can answer).
        var dryRun = options.DryRunPath is not null && !options.ListenOnly;
        if (dryRun)
            options = options with { Cooldown = TimeSpan.Zero };
        else
            Privileges.EnsureNetRaw();
        var session = scanSecret is null ? new DiscoverySession(options, options.TimeProvider) : new DiscoverySession(options, scanSecret, options.TimeProvider);
        using var log = DiscoveryLog.Create(options.Log, session, options.LogSink);

        // Everything that opens a socket or a capture runs here, before the first await: on the
        // caller's thread, and so in its network namespace.
        // The generator is chosen on the pool while the sockets open (a GPU probe takes most of a
        // second); an unknown name is still refused before anything is opened.
        var chosen = options.ListenOnly ? null : GeneratorPart(options);
        var generator = chosen is null ? null : Task.Run(() => Available(chosen, options));
        using var metrics = new DiscoveryMetrics(session.Counters, options.MeterFactory);
        IDiscoveryListener listener = dryRun ? new DryRunListener() : Listener(options);
        IProbeBroadcaster? broadcaster = options.ListenOnly ? null : dryRun ? new DryRunBroadcaster() : Broadcaster(options);
        using var run = DiscoveryRun.Open(session, log, listener, broadcaster, generator);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Task.Run(async () =>
        {
            try
            {
                await run.RunAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                run.Fail(e);
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var e in run.Events.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                yield return e;
                run.HostReady();

                // The host asked for the next event: it has handled (written, flushed) every result
                // before the checkpoint, so its cursor can no longer run ahead of them.
                if (e is CheckpointReached checkpoint && options.StatePath is { } path)
                    SaveState(checkpoint.State, path, log);
            }
        }
        finally
        {
            // A host that stops iterating early stops the run too; what the run still writes is
            // read and dropped, or its writer would wait forever on the bounded channel.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                while (await run.Events.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    while (run.Events.TryRead(out _))
                    {
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The run failed while nobody was listening: the host has already left.
            }

            await running.ConfigureAwait(false);
        }
    }

    private static void SaveState(ScanState state, string path, Serilog.ILogger log)
    {
        try
        {
            state.Save(path, step => TestCrash.At(step == ScanStateSaveStep.TemporaryWritten ? "state-written" : "state-renamed"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The results are not at risk (a resume repeats more); the next checkpoint tries again.
            log.Error("Cannot save the scan state to {Path}: {Reason}", path, e.Message);
        }
    }

    // One lookup for every kind (PartLookup: case-insensitive, duplicates refused), so a name that
    // works for a generator works the same for a broadcaster, a listener, and in the host.
    private Lazy<IAddressGenerator, PartMetadata> GeneratorPart(WidescanOptions options) =>
        PartLookup.Find(_generators, PartKinds.Generator, options.Generator)
        ?? throw new WidescanOptionsException([PartLookup.NotFound(_generators, PartKinds.Generator, options.Generator)]);

    private static IAddressGenerator Available(Lazy<IAddressGenerator, PartMetadata> part, WidescanOptions options)
    {
        var generator = part.Value;

        // A generator without devices to choose from (cpu, most plugins') answers false and runs as it is.
        if (options.GpuDevice is { } device)
            generator.SelectDevice(device);
        var availability = generator.Availability;
        if (!availability.IsAvailable)
            throw new InvalidOperationException($"generator '{generator.Name}' cannot serve: {availability.Reason}");
        return generator;
    }

    private IProbeBroadcaster Broadcaster(WidescanOptions options) =>
        PartLookup.Find(_broadcasters, PartKinds.Broadcaster, options.Broadcaster)?.Value
        ?? throw new WidescanOptionsException([PartLookup.NotFound(_broadcasters, PartKinds.Broadcaster, options.Broadcaster)]);

    private IDiscoveryListener Listener(WidescanOptions options) =>
        PartLookup.Find(_listeners, PartKinds.Listener, options.Listener)?.Value
        ?? throw new WidescanOptionsException([
            _listeners.Count == 0 ? "no listener part is loaded: the Widescan plugin folder is incomplete"
                : PartLookup.NotFound(_listeners, PartKinds.Listener, options.Listener)]);
}
