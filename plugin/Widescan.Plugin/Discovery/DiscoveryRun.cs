using System.Threading.Channels;
using Serilog;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// One run of the discovery module: listener first (so no answer is missed), then the generator and
/// the broadcaster on their own threads joined by the <see cref="TargetPipeline"/>; an event pump turns
/// the listener's events into results (<see cref="ResultFilter"/>), reports progress and saves the
/// cursor; at the end, the cooldown, the summary and the state.
/// </summary>
internal sealed class DiscoveryRun : IDisposable
{
    /// <summary>How long a live host waits for an announce from the same address before it is reported as a plain host.</summary>
    internal static readonly TimeSpan AliveGrace = TimeSpan.FromSeconds(1);

    /// <summary>Listener events waiting for the pump; a test makes it small to back answers up into the capture ring.</summary>
    internal static int HeardCapacity { get; set; } = 1 << 16;

    /// <summary>
    /// How long after a batch is sent its answers may arrive and still be covered by the next
    /// checkpoint (an answer later than this is still reported, but a crash before the next
    /// checkpoint can lose it). A round trip plus the capture's 20 ms blocks, with room to spare.
    /// </summary>
    internal static readonly TimeSpan CheckpointMargin = TimeSpan.FromSeconds(1);

    /// <summary>How often the peer table emits its held-back sightings and expires peers (it walks every peer).</summary>
    internal static readonly TimeSpan PeerTick = TimeSpan.FromSeconds(1);

    /// <summary>How long a cancelled scan still listens for the answers to its last probes (at most its cooldown).</summary>
    internal static readonly TimeSpan CancelDrain = TimeSpan.FromMilliseconds(500);

    /// <summary>How long after its last alias probe a test waits for answers (as long as a checkpoint's margin: a round trip, with room).</summary>
    internal static readonly TimeSpan AliasWait = TimeSpan.FromSeconds(1);

    private readonly DiscoverySession _session;
    private readonly ILogger _log;
    private readonly IListenerRun _listener;
    private readonly IProbeSender? _sender;
    private readonly IAddressStream? _stream;
    private readonly TargetPipeline? _pipeline;
    private readonly string _generatorName;
    private readonly string? _planFingerprint;
    private readonly Channel<DiscoveryEvent> _heard;
    private readonly Channel<DiscoveryEvent> _output = Channel.CreateBounded<DiscoveryEvent>(new BoundedChannelOptions(1 << 12) { SingleWriter = true });
    private readonly ResultFilter _filter;
    private readonly AliasDetector? _aliases;
    private readonly AliasProbeQueue? _aliasQueue;
    private readonly Action<DiscoveryEvent> _emit;
    private readonly Action<DiscoveryEvent> _emitResult;
    private int _peersCounted; // the pump's: addresses of peers counted so far
    private readonly PeerTable _peerTable;
    private readonly CellCounter? _cells;
    private DateTimeOffset _lastPeerTick;
    private bool _peerTableFull; // warned once
    private readonly Checkpoints _checkpoints;
    private readonly TaskCompletionSource _hostReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _abort;
    private string? _failure;
    private readonly DateTimeOffset _started;
    private readonly ulong _startCursor;
    private ulong _lastSent;
    private TimeSpan _sendDuration;
    private DateTimeOffset _lastTick;
    private ReceivePacing? _pacing;

    private DiscoveryRun(
        DiscoverySession session, ILogger log, Channel<DiscoveryEvent> heard, IListenerRun listener, IProbeSender? sender, IAddressStream? stream, string generatorName)
    {
        _heard = heard;
        _session = session;
        _log = log;
        _listener = listener;
        _sender = sender;
        _stream = stream;
        _generatorName = generatorName;
        _started = _lastTick = session.Time.GetUtcNow();
        _filter = new ResultFilter(AliveGrace, session.Counters);
        _startCursor = session.Options.Targets?.StartCursor ?? 0;
        _checkpoints = new Checkpoints(AliveGrace, CheckpointMargin, _startCursor);
        _peerTable = PeerTable.For(session.Options);
        _lastPeerTick = _started;
        if (stream is not null)
        {
            _cells = CellCounter.For(session.Options);
            _pipeline = new TargetPipeline(stream, session.Options, _startCursor, Math.Max(sender?.Lanes ?? 1, 1), _cells);
            _planFingerprint = PlanOf(session.Options.Targets!, stream);
        }

        _emit = Emit;
        _emitResult = EmitResult;
        (_aliases, _aliasQueue) = OpenAliasDetection(session, log, sender);
    }

    /// <summary>
    /// Aliased-prefix detection when the options ask for it and the sender can send alias probes. That
    /// capability (<see cref="IAliasProbing"/>) stays internal: its queue is this plugin's scheduling. A
    /// broadcaster of another plugin falls back, with a warning, to no dealiasing: every live host is
    /// reported (docs/architecture.md, "Extension points"). A dry run hears nothing, so it has none.
    /// </summary>
    private static (AliasDetector?, AliasProbeQueue?) OpenAliasDetection(DiscoverySession session, ILogger log, IProbeSender? sender)
    {
        var options = session.Options;
        if (!options.Dealias || options.ListenOnly || options.DryRunPath is not null || options.Targets is not { } spec)
            return (null, null);
        if (sender is not IAliasProbing probing)
        {
            log.Warning("Aliased-prefix detection is off: the broadcaster cannot send alias probes, so every live host is reported (WidescanOptions.Dealias)");
            return (null, null);
        }

        var interval = (long)(options.ProbeInterval.TotalSeconds * session.Time.TimestampFrequency);
        var queue = new AliasProbeQueue(options.ProbesPerTarget, interval);
        var detector = new AliasDetector(new AliasTargets(session.ScanSecret, options.AliasLength, spec), queue, AliasWait, AliasLongest(options));
        probing.AttachAliasProbes(queue);
        return (detector, queue);
    }

    /// <summary>
    /// The longest a test waits for its probes to go out: its rounds, 16 addresses' worth of each at the
    /// rate, and 5 s for a sender busy with other tests first; past it the prefix stays untested.
    /// </summary>
    private static TimeSpan AliasLongest(WidescanOptions options) =>
        (options.ProbeInterval * (options.ProbesPerTarget - 1))
        + TimeSpan.FromSeconds(AliasTargets.SubPrefixes * options.ProbesPerTarget / (double)options.Rate)
        + TimeSpan.FromSeconds(5);

    // A list's plan is known once the generator has read it; a generator that gives no list fingerprint leaves none.
    private static string? PlanOf(TargetSpec spec, IAddressStream stream) =>
        spec.HasTargetFiles && (stream.TargetsFingerprint ?? spec.TargetFilesFingerprint) is null
            ? null
            : PlanFingerprint.Of(spec, stream.TargetsFingerprint);

    /// <summary>The events of the run, ending with <see cref="ScanFinished"/>.</summary>
    public ChannelReader<DiscoveryEvent> Events => _output.Reader;

    /// <summary>
    /// Opens everything that can fail on the calling thread (its network namespace): the listener,
    /// the broadcaster's socket and the generator's stream. Nothing is sent yet. The generator comes
    /// last, as a task: choosing one may probe for a GPU (most of a second when there is none), which
    /// then overlaps the opening of the sockets instead of adding to it.
    /// </summary>
    public static DiscoveryRun Open(DiscoverySession session, ILogger log, IDiscoveryListener listener, IProbeBroadcaster? broadcaster, Task<IAddressGenerator>? choosing)
    {
        var options = session.Options;
        IListenerRun? listening = null;
        IAddressStream? stream = null;
        IProbeSender? sender = null;
        try
        {
            // Bounded: the listener's thread waits (rather than drops) when the pump is behind; events
            // come once per responder, so this fills only if the host stops reading.
            var heard = Channel.CreateBounded<DiscoveryEvent>(new BoundedChannelOptions(HeardCapacity) { SingleReader = true });
            listening = listener.Start(session, heard.Writer);
            log.Information("Listening with {Listener}: {Path}", listener.Name, listening.Path);
            IAddressGenerator? generator = null;
            if (!options.ListenOnly)
            {
                sender = broadcaster!.Open(session);
                generator = choosing!.GetAwaiter().GetResult();
                stream = generator.Open(options.Targets!);
                log.Information(
                    "Scanning {Prefixes} with {Generator} ({Description}), seed 0x{Seed:x16}, shard {Shard}, from cursor {Cursor} of {Positions}; {Rate} pps, {Probes} probe(s) per target, cap {Cap}",
                    options.Targets!.HasTargetFiles ? $"targets files {string.Join(' ', options.Targets.TargetFiles)} ({stream.TargetsFingerprint})" : string.Join(' ', options.Targets.Include), generator.Name, generator.Description,
                    options.Targets.Seed, options.Targets.Shard.ToString(), stream.Cursor, stream.Positions, options.Rate, options.ProbesPerTarget, options.MaxProbes);
            }

            return new DiscoveryRun(session, log, heard, listening, sender, stream, generator?.Name ?? "");
        }
        catch
        {
            sender?.Dispose();
            stream?.Dispose();
            listening?.Dispose();
            choosing?.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default); // its own failure, if any, is not this one
            throw;
        }
    }

    /// <summary>Runs to the end (targets sent and cooldown over, listen duration over, or cancellation), writing events.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = _session.Options;
        var cancelled = false;

        // A failing listener stops the run as a signal would; _failure tells the two apart.
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _abort = abort;
        cancellationToken = abort.Token;

        // A first progress report, and nothing sent until the host has taken it: a host whose
        // output cannot be written (a full disk, /dev/full) stops before the first probe.
        // The plan first, so the host can label its results with it before the first one.
        if (_planFingerprint is not null && _pipeline is not null)
            _output.Writer.TryWrite(new ScanPlanned(_started, _planFingerprint, _session.Options.Targets!.Shard, _startCursor, _pipeline.Positions));
        _output.Writer.TryWrite(new ProgressReported(_started, Progress(_started)));
        var pump = Task.Factory.StartNew(Pump, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        using var aliasStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var aliasSending = Task.CompletedTask;
        try
        {
            var end = BroadcastEnd.Done;
            try
            {
                await _hostReady.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                end = BroadcastEnd.Cancelled;
                cancelled = true;
            }

            if (!cancelled && _pipeline is not null && _sender is not null)
            {
                var producing = Task.Factory.StartNew(() => _pipeline.Produce(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                var recycling = _pipeline.RecycleAsync();
                var sender = _sender;
                var pipeline = _pipeline;
                var sendStart = _session.Time.GetTimestamp();
                using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var pacing = StartPacing(sending.Token);
                end = await Task.Factory.StartNew(() => sender.Run(pipeline.Targets, pipeline.Completed, cancellationToken),
                    CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
                _sendDuration = _session.Time.GetElapsedTime(sendStart);
                if (_aliasQueue is not null && sender is IAliasProbing probing)
                {
                    // Live hosts heard from now on (the cooldown) still get their prefix tested.
                    aliasSending = Task.Factory.StartNew(() => probing.SendAliasProbes(aliasStop.Token),
                        CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                }

                await sending.CancelAsync().ConfigureAwait(false);
                await pacing.ConfigureAwait(false);
                pipeline.CompleteRecycling();
                await recycling.ConfigureAwait(false);
                await producing.ConfigureAwait(false);
                if (_session.Counters.SendFailures is > 0 and var failed)
                {
                    // EINVAL (the neighbour table is full) and ENOBUFS are what an on-link sweep of
                    // absent hosts gives: each probe counted, and the fix named.
                    _log.Warning(
                        "{Failed} probes failed ({Reason}); an on-link sweep of absent hosts fills the neighbour table: scan through a router, or lower Rate",
                        failed, sender.LastFailure ?? $"the {sender.GetType().Name} sender gave no reason");
                }

                if (end == BroadcastEnd.CapReached)
                    _log.Warning("The probe cap ({Cap}) was reached: stopping at cursor {Cursor} of {Positions}", options.MaxProbes, pipeline.Cursor, pipeline.Positions);
                cancelled = end == BroadcastEnd.Cancelled;
                if (!cancelled)
                {
                    _log.Information("Sent {Probes} probes in {Seconds:F2} s ({Rate:F0} pps); listening {Cooldown} s more for late answers",
                        _session.Counters.ProbesSent, _sendDuration.TotalSeconds, _session.Counters.ProbesSent / Math.Max(_sendDuration.TotalSeconds, 1e-9), options.Cooldown.TotalSeconds);
                }
            }

            if (!cancelled)
                cancelled = !await WaitAsync(options.ListenOnly ? options.ListenDuration : options.Cooldown, cancellationToken).ConfigureAwait(false);
            if (!cancelled && _aliases is not null)
                cancelled = !await AwaitVerdictsAsync(_aliases, cancellationToken).ConfigureAwait(false);
            if (cancelled && !options.ListenOnly)
            {
                // The batches already counted complete are past the saved cursor: a resume will not
                // probe them again, so their answers, a round trip away, are still waited for.
                await Task.Delay(options.Cooldown < CancelDrain ? options.Cooldown : CancelDrain, _session.Time, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            // No more alias tests: what waits now fails (its prefix untested, its hosts reported).
            _aliasQueue?.Close();
            await aliasStop.CancelAsync().ConfigureAwait(false);
            await aliasSending.ConfigureAwait(false);
            _aliasQueue?.FailAll();

            // No event is written by the listener once it is disposed: the pump then drains and ends.
            // Disposing waits for the capture to hand over what it holds: a thread of its own.
            var listener = _listener;
            await Task.Factory.StartNew(listener.Dispose, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            _heard.Writer.TryComplete();
            await pump.ConfigureAwait(false);
        }

        var summary = Summary(cancelled);

        // Every result is out (the listener has stopped, the pump has drained and released all):
        // the final cursor is safe unless answers were lost on the way, or the listener went deaf.
        if (summary.Status is DiscoveryStatus.Complete or DiscoveryStatus.Interrupted && Checkpoint(summary.Cursor) is { } last)
            await _output.Writer.WriteAsync(last, CancellationToken.None).ConfigureAwait(false);
        RunEnding.Report(_log, summary, cancelled);
        ReportAliases();

        // The final counts: every batch recycled, every result out.
        if (_cells is { } cells)
            await _output.Writer.WriteAsync(cells.Snapshot(_session.Time.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
        await _output.Writer.WriteAsync(new ScanFinished(_session.Time.GetUtcNow(), summary), CancellationToken.None).ConfigureAwait(false);
        _output.Writer.TryComplete();
    }

    /// <summary>
    /// Closes the send rate on the receiver (<see cref="ReceivePacing"/>) while sending: a thread of
    /// its own samples the listener's kernel queue every few milliseconds and lowers or raises the
    /// sender's limit. Nothing to do when the sender takes no limit (<see cref="IProbeSender.LimitRate"/>
    /// is false: asking for the options' rate, its ceiling, changes nothing for one that does), or
    /// when a test switched it off; a listener whose backlog is unknown never slows it.
    /// </summary>
    private Task StartPacing(CancellationToken stop)
    {
        var listener = _listener;
        if (!ReceivePacing.Enabled || _sender is not { } limited || !limited.LimitRate(_session.Options.Rate))
        {
            _log.Debug("Send pacing on the receiver is off: the broadcaster's sender takes no rate limit");
            return Task.CompletedTask;
        }

        var pacing = _pacing = new ReceivePacing(_session.Options.Rate);
        return Task.Factory.StartNew(() =>
        {
            var time = _session.Time;
            var counters = _session.Counters;
            var interval = ReceivePacing.Interval;
            // The sent rate over the last four samples (20 ms): steadier than one sample's.
            Span<long> sentAt = stackalloc long[4];
            Span<long> timeAt = stackalloc long[4];
            var next = 0;
            for (var i = 0; i < 4; i++)
                (sentAt[i], timeAt[i]) = (counters.ProbesSent, time.GetTimestamp());
            var said = false;
            while (!stop.WaitHandle.WaitOne(interval))
            {
                var now = time.GetTimestamp();
                var sent = counters.ProbesSent;
                var seconds = (double)(now - timeAt[next]) / time.TimestampFrequency;
                var rate = seconds > 0 ? (sent - sentAt[next]) / seconds : 0;
                (sentAt[next], timeAt[next]) = (sent, now);
                next = (next + 1) % 4;
                var before = pacing.Limit;
                if (!pacing.Observe(listener.Backlog, rate, now, time.TimestampFrequency))
                    continue;
                limited.LimitRate(pacing.Limit);
                if (pacing.Limit < before && !said)
                {
                    said = true;
                    _log.Warning(
                        "The listener fell behind ({Why}): sending slowed from {From:F0} to {To:F0} pps, and climbs back towards {Rate} pps as it catches up (WidescanOptions.Rate is a ceiling; the summary counts the slowdowns)",
                        pacing.LastReason, Math.Min(before, rate), pacing.Limit, _session.Options.Rate);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// After the cooldown: waits while live hosts are in their grace (their prefix's test starts when
    /// it ends) or prefixes are under test (a live host heard late in the cooldown has its probes and
    /// its wait still to come), at most the grace plus the probes' rounds plus the wait plus 1 s;
    /// tests still open then end untested. False when cancelled.
    /// </summary>
    private async Task<bool> AwaitVerdictsAsync(AliasDetector aliases, CancellationToken cancellationToken)
    {
        // The filter's count first: it drops only after its host reached the detector (see Held).
        bool Open() => _filter.Held > 0 || aliases.Testing > 0;
        if (!Open())
            return true;
        var options = _session.Options;
        var longest = AliveGrace + (options.ProbeInterval * (options.ProbesPerTarget - 1)) + AliasWait + TimeSpan.FromSeconds(1);
        _log.Information("Waiting up to {Seconds:F1} s for alias verdicts ({Prefixes} prefix(es) under test, {Hosts} live host(s) in their grace)",
            longest.TotalSeconds, aliases.Testing, _filter.Held);
        var until = _session.Time.GetTimestamp() + (long)(longest.TotalSeconds * _session.Time.TimestampFrequency);
        while (Open() && _session.Time.GetTimestamp() < until)
        {
            if (!await WaitAsync(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false))
                return false;
        }

        return true;
    }

    /// <summary>One line on what dealiasing did, when it did anything.</summary>
    private void ReportAliases()
    {
        if (_aliases is not { } a || (a.AliasedPrefixes == 0 && a.UntestedPrefixes == 0 && a.UntestedHosts == 0))
            return;
        _log.Information(
            "Aliased prefixes: {Aliased} (/{Length}; {Hosts} live host(s) inside not reported), {Probes} alias probes; {Untested} prefix(es) without a verdict, {UntestedHosts} live host(s) there reported as alive",
            a.AliasedPrefixes, _session.Options.AliasLength, a.AliasedHosts, _aliasQueue?.Sent ?? 0, a.UntestedPrefixes, a.UntestedHosts);
    }

    /// <summary>The host took the first event and asked for more: its output works, so sending may start.</summary>
    public void HostReady() => _hostReady.TrySetResult();

    /// <summary>Ends the event stream with an error (the caller's iterator rethrows it).</summary>
    public void Fail(Exception error) => _output.Writer.TryComplete(error);

    /// <summary>Waits the given time (null: until cancelled); false when cancelled.</summary>
    private async Task<bool> WaitAsync(TimeSpan? time, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(time ?? Timeout.InfiniteTimeSpan, _session.Time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Moves listener events through the filter to the output; every stats interval, progress and the state.</summary>
    private void Pump()
    {
        // Its own thread, not the pool's: it blocks on the output when the host reads slowly, and the
        // pool also carries the host's loop and libpcap's capture.
        var reader = _heard.Reader;
        var interval = _session.Options.Log.StatsInterval;
        var tick = TimeSpan.FromMilliseconds(100); // grace releases and progress need no finer clock
        Task<bool>? wait = null;
        var listener = _listener;
        while (true)
        {
            wait ??= reader.WaitToReadAsync().AsTask();
            bool ready;
            try
            {
                ready = wait.Wait(tick);
            }
            catch (AggregateException e) when (e.InnerException is IOException failure)
            {
                // The listener went deaf (its interface disappeared): the run ends, failed.
                _failure = failure.Message;
                _abort?.Cancel();
                wait = Task.FromResult(false);
                ready = true;
            }

            if (ready)
            {
                if (!wait.Result)
                {
                    _filter.ReleaseAll(_emitResult); // the listener has stopped: the last live hosts
                    _aliases?.ReleaseAll(_session.Time.GetUtcNow(), _emit); // and those held for a verdict
                    return;
                }

                wait = null;
            }

            // How far the listener has caught up, taken before its events are read: the events of
            // every frame before it are then in the filter (the checkpoints rely on that order).
            var caughtUp = listener.CaughtUpTo(_session.Time.GetUtcNow());
            while (reader.TryRead(out var e))
            {
                // An answer or an error of an alias probe is evidence for its test, never a result.
                if (_aliases is { } aliases
                    && ((e is HostAlive alive && aliases.Heard(alive, _session.Time.GetUtcNow(), _emit))
                        || (e is TargetUnreachable error && aliases.HeardError(error))))
                    continue;
                _filter.Offer(e, _emitResult);
            }

            var now = _session.Time.GetUtcNow();
            _filter.Release(now, _emitResult);
            _aliases?.Tick(now, _emit);
            if (_pipeline is not null)
                _checkpoints.Record(now, _pipeline.Cursor, caughtUp);
            listener.CountDrops();
            if (now - _lastPeerTick >= PeerTick)
            {
                _lastPeerTick = now;
                _peerTable.Tick(_emit);
            }

            if (now - _lastTick >= interval)
                Tick(now);
        }
    }

    /// <summary>A result the grace released: live hosts go through the alias verdict of their prefix first.</summary>
    private void EmitResult(DiscoveryEvent e)
    {
        if (_aliases is { } aliases && e is HostAlive alive)
            aliases.Offer(alive, _session.Time.GetUtcNow(), _emit);
        else
            Emit(e);
    }

    private void Emit(DiscoveryEvent e)
    {
        switch (e)
        {
            case PeerHeard heard:
                // A repeat sighting is the peer table's: a PeerSeen when due, or the peer reported anew.
                if (_peerTable.Heard(heard) is { } said)
                    Write(said);
                return;
            case HostAlive alive:
                _session.Counters.AddAlive(1);
                _cells?.CountAlive(alive.Address);
                break;
            case TargetUnreachable unreachable:
                _session.Counters.AddUnreachable(1); // the listener reports each target once
                _cells?.CountUnreachable(unreachable.Address);
                break;
            case PrefixAliased aliased:
                _cells?.CountAliased(aliased.Prefix);
                break;
            case PeerDiscovered peer:
                if (_filter.PeersReported > _peersCounted)
                {
                    // Peers are addresses: a peer reported again with stronger evidence is not a second one.
                    _session.Counters.AddPeers(_filter.PeersReported - _peersCounted);
                    _peersCounted = _filter.PeersReported;
                    _cells?.CountPeer(peer.Address);
                }

                if (!_peerTable.Discovered(peer) && !_peerTableFull)
                {
                    _peerTableFull = true;
                    _log.Warning("The peer table is full ({Peers} peers, WidescanOptions.MaxTrackedPeers): peers found from now on are reported but get no PeerSeen or PeerExpired (the summary counts them)",
                        _peerTable.Count);
                }

                break;
        }

        Write(e);
    }

    private void Write(DiscoveryEvent e)
    {
        // One writer (the pump, then the end of RunAsync): waiting here is the consumer's back-pressure.
        if (!_output.Writer.TryWrite(e))
            _output.Writer.WriteAsync(e).AsTask().GetAwaiter().GetResult();
    }

    private void Tick(DateTimeOffset now)
    {
        var progress = Progress(now);
        _lastTick = now;
        _lastSent = progress.ProbesSent;
        if (_checkpoints.Due(now, _aliases?.OldestHeld()) is { } cursor && Checkpoint(cursor) is { } checkpoint)
            Emit(checkpoint);
        if (_session.Options.Log.StatsLine)
            _log.Information(
                "Progress: sent {Sent} ({Rate:F0} pps), received {Received}, alive {Alive}, peers {Peers}, probes received {Scanners}, cursor {Cursor} of {Positions}{Eta}",
                progress.ProbesSent, progress.SendRate, progress.PacketsReceived, progress.Alive, progress.Peers, progress.ProbesReceived,
                progress.Cursor, progress.Positions, progress.Remaining is { } r ? $", ETA {r:hh\\:mm\\:ss}" : "");
        Emit(new ProgressReported(now, progress));
        if (_cells is { } cells)
            Write(cells.Snapshot(now));
    }

    private ScanProgress Progress(DateTimeOffset now)
    {
        var c = _session.Counters;
        var sent = (ulong)c.ProbesSent;
        var seconds = (now - _lastTick).TotalSeconds;
        var rate = seconds > 0 ? (sent - _lastSent) / seconds : 0;
        var cursor = _pipeline?.Cursor ?? 0;
        var positions = _pipeline?.Positions ?? 0;
        TimeSpan? remaining = _pipeline is null ? null
            : TimeSpan.FromSeconds((positions - cursor) * (double)_session.Options.ProbesPerTarget / Math.Max(rate, 1));
        if (remaining > TimeSpan.FromDays(3650))
            remaining = null;
        return new ScanProgress(sent, (ulong)c.PacketsReceived, (ulong)c.Alive, (ulong)c.Peers, (ulong)c.ProbesReceived,
            rate, cursor, positions, now - _started, remaining);
    }

    private DiscoverySummary Summary(bool cancelled)
    {
        var c = _session.Counters;
        var lost = c.Losses;
        var status = _failure is not null ? DiscoveryStatus.Failed
            : cancelled ? DiscoveryStatus.Interrupted
            : lost.Total > 0 ? DiscoveryStatus.Incomplete
            : DiscoveryStatus.Complete;
        var achieved = _sendDuration > TimeSpan.Zero ? c.ProbesSent / _sendDuration.TotalSeconds : 0;
        return new DiscoverySummary
        {
            Generator = _generatorName,
            PlanFingerprint = _planFingerprint,
            ProbesSent = (ulong)c.ProbesSent,
            SendFailures = (ulong)c.SendFailures,
            PacketsReceived = (ulong)c.PacketsReceived,
            Alive = (ulong)c.Alive,
            Peers = (ulong)c.Peers,
            Unreachable = (ulong)c.Unreachable,
            AliveOverruled = (ulong)c.AliveOverruled,
            ProbesReceived = (ulong)c.ProbesReceived,
            Ignored = (ulong)c.Ignored,
            Cursor = _pipeline?.Cursor ?? 0,
            Positions = _pipeline?.Positions ?? 0,
            Cancelled = cancelled,
            Duration = _session.Time.GetUtcNow() - _started,
            SendDuration = _sendDuration,
            Status = status,
            Lost = lost,
            Failure = _failure,
            RateRequested = _session.Options.ListenOnly ? 0 : _session.Options.Rate,
            RateAchieved = achieved,
            RateShortfall = _session.Options.ListenOnly || cancelled ? null
                : RunEnding.Shortfall(_session.Options.Rate, c.ProbesSent, _sendDuration, _sender?.Retries ?? 0, _sender?.Lanes ?? 1, _pacing?.Reductions ?? 0),
            RepliesDropped = (ulong)c.RepliesDropped,
            RateReductions = (ulong)(_pacing?.Reductions ?? 0),
            RateLowest = _pacing is { Reductions: > 0 } p ? (long)p.Lowest : 0,
            AliasedPrefixes = (ulong)(_aliases?.AliasedPrefixes ?? 0),
            AliasedHosts = (ulong)(_aliases?.AliasedHosts ?? 0),
            AliasProbes = (ulong)(_aliasQueue?.Sent ?? 0),
            PeersUntracked = (ulong)_peerTable.Untracked,
            PeerSightingsDropped = (ulong)(_peerTable.SightingsDropped + c.SightingsDropped),
            UnsolicitedRefused = (ulong)c.UnsolicitedRefused,
            AnnouncesRefused = (ulong)c.AnnouncesRefused,
        };
    }

    /// <summary>The checkpoint of a cursor, when the run saves its state.</summary>
    private CheckpointReached? Checkpoint(ulong cursor)
    {
        if (_session.Options.StatePath is null || _pipeline is null || _session.Options.Targets is not { } spec)
            return null;
        var now = _session.Time.GetUtcNow();
        return new CheckpointReached(now, ScanState.Of(spec, cursor, _pipeline.Positions, now, _stream?.TargetsFingerprint));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _sender?.Dispose();
        _stream?.Dispose();
    }
}
