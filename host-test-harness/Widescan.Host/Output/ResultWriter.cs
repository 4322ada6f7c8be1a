using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Widescan.Contracts;

namespace Widescan.Host.Output;

/// <summary>How <c>widescan scan</c> and <c>widescan listen</c> write their results.</summary>
internal enum ResultFormat
{
    /// <summary>One JSON object per line.</summary>
    Jsonl,

    /// <summary>Comma-separated values after a header line.</summary>
    Csv,
}

/// <summary>
/// Writes live hosts, peers and unreachable targets as result records, JSONL or CSV, into one reused buffer that goes to the
/// stream as a whole. A live destination (terminal, pipe) is flushed after every record so a reader
/// sees each line as it happens; a file at most every 100 ms or 64 KiB, so a fast scan is not one
/// write call per host.
/// </summary>
internal sealed partial class ResultWriter : IDisposable
{
    public const string CsvHeader = "type,address,rttMs,time,nodeId,port,authenticated,how,router,icmpType,code";

    /// <summary>The version of the result records (docs/results.md): 2 added the run and summary records.</summary>
    public const int RecordVersion = 2;

    private const int FlushBytes = 64 * 1024;
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    // Property names encoded once: no per-record encoding or escaping work.
    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText AddressName = JsonEncodedText.Encode("address");
    private static readonly JsonEncodedText RttName = JsonEncodedText.Encode("rttMs");
    private static readonly JsonEncodedText TimeName = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText NodeIdName = JsonEncodedText.Encode("nodeId");
    private static readonly JsonEncodedText PortName = JsonEncodedText.Encode("port");
    private static readonly JsonEncodedText AuthenticatedName = JsonEncodedText.Encode("authenticated");
    private static readonly JsonEncodedText HowName = JsonEncodedText.Encode("how");
    private static readonly JsonEncodedText AppDataName = JsonEncodedText.Encode("appData");
    private static readonly JsonEncodedText RouterName = JsonEncodedText.Encode("router");
    private static readonly JsonEncodedText IcmpTypeName = JsonEncodedText.Encode("icmpType");
    private static readonly JsonEncodedText CodeName = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText Alive = JsonEncodedText.Encode("alive");
    private static readonly JsonEncodedText Peer = JsonEncodedText.Encode("peer");
    private static readonly JsonEncodedText Unreachable = JsonEncodedText.Encode("unreachable");
    private static readonly JsonEncodedText Aliased = JsonEncodedText.Encode("aliased");
    private static readonly JsonEncodedText PrefixName = JsonEncodedText.Encode("prefix");
    private static readonly JsonEncodedText ProbedName = JsonEncodedText.Encode("probed");
    private static readonly JsonEncodedText AnsweredName = JsonEncodedText.Encode("answered");
    private static readonly JsonEncodedText TriggerName = JsonEncodedText.Encode("trigger");

    private readonly Stream stream;
    private readonly ResultFormat format;
    private readonly bool flushEachRecord;
    private readonly TimeProvider clock;
    private readonly ArrayBufferWriter<byte> buffer = new(4096);
    private readonly Utf8JsonWriter json;
    private long lastFlush;
    private string? runFingerprint;
    private ShardSpec? runShard;

    /// <param name="stream">Where the records go; not disposed here.</param>
    /// <param name="format">JSONL or CSV.</param>
    /// <param name="flushEachRecord">Flush after every record (a terminal or a pipe).</param>
    /// <param name="clock">The clock of the 100 ms flush interval; the system's by default.</param>
    /// <param name="csvHeader">Start CSV with its header line; not when appending to a file that has one.</param>
    /// <param name="destination">Where the records go, for error messages ("stdout" or the file's path).</param>
    public ResultWriter(Stream stream, ResultFormat format, bool flushEachRecord, TimeProvider? clock = null, bool csvHeader = true, string destination = "the output")
    {
        this.stream = stream;
        Destination = destination;
        this.format = format;
        this.flushEachRecord = flushEachRecord;
        this.clock = clock ?? TimeProvider.System;
        lastFlush = this.clock.GetTimestamp();
        json = new Utf8JsonWriter(buffer);
        if (format == ResultFormat.Csv && csvHeader)
        {
            Ascii(CsvHeader);
            Byte((byte)'\n');
        }
    }

    /// <summary>Where the records go ("stdout" or the file's path), as messages name it.</summary>
    public string Destination { get; }

    /// <summary>The format of the records.</summary>
    public ResultFormat Format => format;

    /// <summary>Records written so far.</summary>
    public ulong Records { get; private set; }

    /// <summary>The name a peer's discovery method has in the results.</summary>
    public static string HowText(PeerDiscoveryMethod how) => how switch
    {
        PeerDiscoveryMethod.AnsweredProbe => "answered-probe",
        PeerDiscoveryMethod.ProbedUs => "probed-us",
        PeerDiscoveryMethod.Announced => "announced",
        _ => how.ToString().ToLowerInvariant(),
    };

    public void Write(HostAlive alive)
    {
        if (format == ResultFormat.Jsonl)
        {
            json.WriteStartObject();
            json.WriteString(TypeName, Alive);
            WriteAddress(alive.Address);
            WriteRtt(alive.RoundTrip);
            WriteTime(alive.Time);
            json.WriteEndObject();
            EndJson();
        }
        else
        {
            Ascii("alive,");
            CsvAddress(alive.Address);
            CsvRtt(alive.RoundTrip);
            CsvTime(alive.Time);
            Ascii(",,,,,,,\n");
        }

        Recorded();
    }

    /// <summary>A target an ICMPv6 error named (docs/results.md, <c>unreachable</c>): the target, the router, the error's type and code.</summary>
    public void Write(TargetUnreachable unreachable)
    {
        if (format == ResultFormat.Jsonl)
        {
            json.WriteStartObject();
            json.WriteString(TypeName, Unreachable);
            WriteAddress(unreachable.Address);
            WriteAddress(RouterName, unreachable.Router);
            json.WriteNumber(IcmpTypeName, unreachable.IcmpType);
            json.WriteNumber(CodeName, unreachable.Code);
            WriteTime(unreachable.Time);
            json.WriteEndObject();
            EndJson();
        }
        else
        {
            Ascii("unreachable,");
            CsvAddress(unreachable.Address);
            Byte((byte)','); // no round trip
            CsvTime(unreachable.Time);
            Ascii(",,,,,");
            CsvAddress(unreachable.Router);
            Formatted(unreachable.IcmpType, default);
            Byte((byte)',');
            Formatted(unreachable.Code, default);
            Byte((byte)'\n');
        }

        Recorded();
    }

    public void Write(PeerDiscovered peer)
    {
        if (format == ResultFormat.Jsonl)
        {
            json.WriteStartObject();
            json.WriteString(TypeName, Peer);
            WriteAddress(peer.Address);
            WriteRtt(peer.RoundTrip);
            WriteTime(peer.Time);
            Span<char> id = stackalloc char[32];
            peer.NodeId.Value.TryFormat(id, out var idLength, "x32", CultureInfo.InvariantCulture);
            json.WriteString(NodeIdName, id[..idLength]);
            json.WriteNumber(PortName, peer.Port);
            json.WriteBoolean(AuthenticatedName, peer.Authenticated);
            json.WriteString(HowName, HowText(peer.How));
            if (!peer.ApplicationData.IsEmpty)
                json.WriteBase64String(AppDataName, peer.ApplicationData.Span);
            json.WriteEndObject();
            EndJson();
        }
        else
        {
            // CSV has no appData column: arbitrary bytes do not belong in a spreadsheet; JSONL carries them.
            Ascii("peer,");
            CsvAddress(peer.Address);
            CsvRtt(peer.RoundTrip);
            CsvTime(peer.Time);
            Byte((byte)',');
            Formatted(peer.NodeId.Value, "x32");
            Byte((byte)',');
            Formatted(peer.Port, default);
            Ascii(peer.Authenticated ? ",true," : ",false,");
            Ascii(HowText(peer.How));
            Ascii(",,,\n");
        }

        Recorded();
    }

    /// <summary>
    /// An aliased prefix with its evidence (JSONL: <c>prefix</c>, <c>probed</c>, <c>answered</c>,
    /// <c>trigger</c>, <c>time</c>). CSV has the prefix in the address column and the time; the
    /// evidence is JSONL's only, as the header has no column for it.
    /// </summary>
    public void Write(PrefixAliased aliased)
    {
        Span<char> prefix = stackalloc char[Ipv6Prefix.MaxTextLength];
        aliased.Prefix.TryFormat(prefix, out var prefixLength, default, CultureInfo.InvariantCulture);
        if (format == ResultFormat.Jsonl)
        {
            json.WriteStartObject();
            json.WriteString(TypeName, Aliased);
            json.WriteString(PrefixName, prefix[..prefixLength]);
            json.WriteNumber(ProbedName, aliased.Probed);
            json.WriteNumber(AnsweredName, aliased.Answered);
            Span<char> trigger = stackalloc char[Ipv6Address.MaxTextLength];
            Ipv6Address.TryFormat(aliased.Trigger, trigger, out var triggerLength);
            json.WriteString(TriggerName, trigger[..triggerLength]);
            WriteTime(aliased.Time);
            json.WriteEndObject();
            EndJson();
        }
        else
        {
            Ascii("aliased,");
            Ascii(prefix[..prefixLength]);
            Ascii(",,");
            CsvTime(aliased.Time);
            Ascii(",,,,,,,\n");
        }

        Recorded();
    }

    /// <summary>Flushes when the interval has passed since the last flush; called on every event, so a quiet file still gets its lines.</summary>
    public void FlushIfDue()
    {
        if (buffer.WrittenCount >= FlushBytes || (buffer.WrittenCount > 0 && clock.GetElapsedTime(lastFlush) >= FlushInterval))
            Flush();
    }

    /// <summary>Writes everything buffered to the stream and flushes it.</summary>
    /// <exception cref="OutputException">The destination failed (ENOSPC, EIO, EPIPE, ...): the run must stop.</exception>
    public void Flush()
    {
        try
        {
            if (buffer.WrittenCount > 0)
            {
                stream.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }

            stream.Flush();
        }
        catch (IOException e)
        {
            // What was not written is dropped: a retry would write half a line twice.
            buffer.ResetWrittenCount();
            throw new OutputException(Destination, e);
        }

        lastFlush = clock.GetTimestamp();
    }

    /// <summary>
    /// Makes every record so far durable before the module saves its state: flushed, and on a file
    /// fsynced (a pipe or terminal has nothing to sync; what its reader took is its own).
    /// </summary>
    /// <exception cref="OutputException">The destination failed: the state must not move past it.</exception>
    public void Checkpoint()
    {
        Flush();
        if (stream is FileStream { CanSeek: true } file)
        {
            try
            {
                file.Flush(flushToDisk: true);
            }
            catch (IOException e)
            {
                throw new OutputException(Destination, e);
            }
        }

        Widescan.Plugin.Discovery.TestCrash.At("flushed");
    }

    /// <summary>
    /// The first record of a run, resumes included: what run the records after it belong to
    /// (docs/results.md). In CSV, a comment line of the same facts (<c># widescan run ...</c>).
    /// </summary>
    /// <param name="command">"scan" or "listen".</param>
    /// <param name="options">The run's options.</param>
    /// <param name="time">When it started.</param>
    /// <param name="fingerprint">The plan's fingerprint (<see cref="ScanPlanned"/>); null for a listen.</param>
    public void WriteRun(string command, WidescanOptions options, DateTimeOffset time, string? fingerprint = null)
    {
        var spec = options.ListenOnly ? null : options.Targets;
        runFingerprint = fingerprint;
        runShard = spec?.Shard;
        if (format == ResultFormat.Csv)
        {
            // The facts a merge needs, where a CSV reader that skips '#' lines does not trip over them.
            var facts = spec is null ? "" : string.Create(CultureInfo.InvariantCulture,
                $" shard={spec.Shard} seed=0x{spec.Seed:x16} startCursor={spec.StartCursor}");
            CsvComment(string.Create(CultureInfo.InvariantCulture,
                $"# widescan run version={RecordVersion} command={command} fingerprint={fingerprint ?? "none"}{facts} time={time.UtcDateTime:yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'}"));
            return;
        }

        json.WriteStartObject();
        json.WriteString(TypeName, "run");
        json.WriteNumber("version", RecordVersion);
        if (fingerprint is null)
            json.WriteNull("fingerprint");
        else
            json.WriteString("fingerprint", fingerprint);
        json.WriteString("command", command);
        if (spec is not null)
        {
            json.WriteString("shard", spec.Shard.ToString());
            json.WriteString("seed", string.Create(CultureInfo.InvariantCulture, $"0x{spec.Seed:x16}"));
            json.WriteNumber("startCursor", spec.StartCursor);
            json.WriteNumber("rateRequested", options.Rate);
            if (options.DryRunPath is { } dryRun)
                json.WriteString("dryRun", dryRun);
        }

        json.WriteString("nodeId", options.NodeId.Value.ToString("x32", CultureInfo.InvariantCulture));
        WriteTime(time);
        json.WriteEndObject();
        EndJson();
        Flush();
    }

    /// <summary>
    /// The last record of a run: how it ended, what it found, what it lost (docs/results.md). In CSV,
    /// a comment line with the status, plan, shard and cursor (what a merge checks).
    /// </summary>
    public void WriteSummary(DiscoverySummary summary, DiscoveryStatus status, DateTimeOffset time)
    {
        var fingerprint = summary.PlanFingerprint ?? runFingerprint;
        if (format == ResultFormat.Csv)
        {
            CsvComment(string.Create(CultureInfo.InvariantCulture,
                $"# widescan summary status={StatusText(status)} fingerprint={fingerprint ?? "none"}{(runShard is { } s ? $" shard={s}" : "")} cursor={summary.Cursor} positions={summary.Positions}"));
            return;
        }

        json.WriteStartObject();
        json.WriteString(TypeName, "summary");
        json.WriteString("status", StatusText(status));
        if (fingerprint is not null)
            json.WriteString("fingerprint", fingerprint);
        if (runShard is { } shard)
            json.WriteString("shard", shard.ToString());
        json.WriteNumber("sent", summary.ProbesSent);
        json.WriteNumber("sendFailures", summary.SendFailures);
        json.WriteNumber("alive", summary.Alive);
        json.WriteNumber("peers", summary.Peers);
        json.WriteNumber("unreachable", summary.Unreachable);
        json.WriteNumber("aliveOverruled", summary.AliveOverruled);
        json.WriteNumber("probesReceived", summary.ProbesReceived);
        json.WriteNumber("ignored", summary.Ignored);
        json.WriteStartObject("lost");
        json.WriteNumber("capture", summary.Lost.Capture);
        json.WriteNumber("kernel", summary.Lost.Kernel);
        json.WriteNumber("consumer", summary.Lost.Consumer);
        json.WriteEndObject();
        json.WriteNumber("repliesDropped", summary.RepliesDropped);
        json.WriteNumber("rateRequested", summary.RateRequested);
        json.WriteNumber("rateAchieved", Math.Round(summary.RateAchieved));
        if (summary.RateShortfall is { } why)
            json.WriteString("rateShortfall", why);
        json.WriteNumber("rateReductions", summary.RateReductions);
        if (summary.RateReductions > 0)
            json.WriteNumber("rateLowest", summary.RateLowest);
        if (summary.Failure is { } failure)
            json.WriteString("failure", failure);
        json.WriteNumber("aliasedPrefixes", summary.AliasedPrefixes);
        json.WriteNumber("aliasedHosts", summary.AliasedHosts);
        json.WriteNumber("aliasProbes", summary.AliasProbes);
        json.WriteNumber("peersUntracked", summary.PeersUntracked);
        json.WriteNumber("peerSightingsDropped", summary.PeerSightingsDropped);
        json.WriteNumber("unsolicitedRefused", summary.UnsolicitedRefused);
        json.WriteNumber("announcesRefused", summary.AnnouncesRefused);
        json.WriteNumber("cursor", summary.Cursor);
        json.WriteNumber("positions", summary.Positions);
        json.WriteNumber("durationS", Math.Round(summary.Duration.TotalSeconds, 3));
        WriteTime(time);
        json.WriteEndObject();
        EndJson();
        Flush();
    }

    /// <summary>The name of a status in the results and on stderr.</summary>
    public static string StatusText(DiscoveryStatus status) => status switch
    {
        DiscoveryStatus.Complete => "complete",
        DiscoveryStatus.Incomplete => "incomplete",
        DiscoveryStatus.Interrupted => "interrupted",
        _ => "failed",
    };

    /// <summary>Flushes what is left, best effort: a destination that broke has already said so through <see cref="Flush"/>.</summary>
    public void Dispose()
    {
        try
        {
            Flush();
        }
        catch (OutputException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        json.Dispose();
    }

    private void Recorded()
    {
        Records++;
        if (flushEachRecord)
            Flush();
        else
            FlushIfDue();
    }

    private void EndJson()
    {
        // One object per line: commit it to the buffer and reset the writer so the next object is again a root value.
        json.Flush();
        json.Reset();
        Byte((byte)'\n');
    }

    private void WriteAddress(UInt128 address) => WriteAddress(AddressName, address);

    private void WriteAddress(JsonEncodedText name, UInt128 address)
    {
        Span<char> text = stackalloc char[Ipv6Address.MaxTextLength];
        Ipv6Address.TryFormat(address, text, out var length);
        json.WriteString(name, text[..length]);
    }

    private void WriteRtt(TimeSpan? roundTrip)
    {
        if (roundTrip is not { } rtt)
        {
            json.WriteNull(RttName);
            return;
        }

        // Exactly three decimals (microseconds), which WriteNumber's shortest round-trip form would not give.
        Span<byte> number = stackalloc byte[32];
        rtt.TotalMilliseconds.TryFormat(number, out var length, "F3", CultureInfo.InvariantCulture);
        json.WritePropertyName(RttName);
        json.WriteRawValue(number[..length], skipInputValidation: true);
    }

    private void WriteTime(DateTimeOffset time)
    {
        Span<byte> text = stackalloc byte[32];
        var length = FormatTime(time, text);
        json.WriteString(TimeName, text[..length]);
    }

    private static int FormatTime(DateTimeOffset time, Span<byte> utf8)
    {
        time.UtcDateTime.TryFormat(utf8, out var length, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
        return length;
    }

    private void CsvAddress(UInt128 address)
    {
        Span<char> text = stackalloc char[Ipv6Address.MaxTextLength];
        Ipv6Address.TryFormat(address, text, out var length);
        Ascii(text[..length]);
        Byte((byte)',');
    }

    private void CsvRtt(TimeSpan? roundTrip)
    {
        if (roundTrip is { } rtt)
            Formatted(rtt.TotalMilliseconds, "F3");
        Byte((byte)',');
    }

    private void CsvTime(DateTimeOffset time)
    {
        var length = FormatTime(time, buffer.GetSpan(32));
        buffer.Advance(length);
    }

    private void Formatted<T>(T value, ReadOnlySpan<char> format)
        where T : IUtf8SpanFormattable
    {
        value.TryFormat(buffer.GetSpan(64), out var length, format, CultureInfo.InvariantCulture);
        buffer.Advance(length);
    }

    // A '#' line of CSV; its text is this writer's own (numbers, names, a hex fingerprint): ASCII.
    private void CsvComment(string line)
    {
        Ascii(line);
        Byte((byte)'\n');
        Flush();
    }

    private void Ascii(ReadOnlySpan<char> text) => buffer.Advance(Encoding.ASCII.GetBytes(text, buffer.GetSpan(text.Length)));

    private void Byte(byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
    }
}

/// <summary>Writing results failed: the run stops, and the state stays at what is on disk.</summary>
internal sealed class OutputException(string destination, IOException inner)
    : IOException($"cannot write results to {destination}: {inner.Message}", inner)
{
    /// <summary>"stdout" or the file's path.</summary>
    public string Destination { get; } = destination;
}
