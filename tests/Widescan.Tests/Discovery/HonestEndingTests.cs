using System.Text;
using System.Text.Json;
using Widescan.Contracts;
using Widescan.Host;
using Widescan.Host.Commands;
using Widescan.Host.Output;

namespace Widescan.Tests.Discovery;

/// <summary>How the host ends a run: the run and summary records, exit 3 on losses with the fix that applies, output errors.</summary>
public class HonestEndingTests
{
    private static readonly DateTimeOffset Time = new(2026, 12, 1, 18, 0, 0, 0, TimeSpan.Zero);

    private static readonly DiscoverySummary Done = new()
    {
        ProbesSent = 1000,
        Alive = 10,
        Cursor = 1000,
        Positions = 1000,
        Duration = TimeSpan.FromSeconds(2),
        SendDuration = TimeSpan.FromSeconds(1),
        RateRequested = 1000,
        RateAchieved = 1000,
    };

    [Test]
    public void TheRunAndSummaryRecordsFollowTheSchema()
    {
        var summary = Done with { Lost = new DiscoveryLosses(1, 2, 3), Status = DiscoveryStatus.Incomplete };
        var (code, results, _) = Run(new FakeModule([new HostAlive(Time, 1, TimeSpan.Zero), new ScanFinished(Time, summary)]), Options(startCursor: 500));
        var records = results.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var run = records[0];
        var end = records[^1];
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Losses));
            Assert.That(run.GetProperty("type").GetString(), Is.EqualTo("run"));
            Assert.That(run.GetProperty("version").GetInt32(), Is.EqualTo(2));
            Assert.That(run.GetProperty("fingerprint").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(run.GetProperty("shard").GetString(), Is.EqualTo("1/2"));
            Assert.That(run.GetProperty("startCursor").GetUInt64(), Is.EqualTo(500UL));
            Assert.That(end.GetProperty("type").GetString(), Is.EqualTo("summary"));
            Assert.That(end.GetProperty("status").GetString(), Is.EqualTo("incomplete"));
            Assert.That(end.GetProperty("sent").GetUInt64(), Is.EqualTo(1000UL));
            Assert.That(end.GetProperty("alive").GetUInt64(), Is.EqualTo(10UL));
            Assert.That(end.GetProperty("lost").GetProperty("capture").GetUInt64(), Is.EqualTo(1UL));
            Assert.That(end.GetProperty("lost").GetProperty("kernel").GetUInt64(), Is.EqualTo(2UL));
            Assert.That(end.GetProperty("lost").GetProperty("consumer").GetUInt64(), Is.EqualTo(3UL));
            Assert.That(end.GetProperty("rateRequested").GetInt64(), Is.EqualTo(1000));
            Assert.That(end.GetProperty("cursor").GetUInt64(), Is.EqualTo(1000UL));
        });
    }

    [Test]
    public void CsvHoldsResultsAndTheRunsFactsInCommentLines()
    {
        using var stream = new MemoryStream();
        using (var results = new ResultWriter(stream, ResultFormat.Csv, flushEachRecord: false))
        {
            var driver = new DiscoveryDriver("widescan scan", TextWriter.Null, results, progress: null);
            driver.RunAsync(new FakeModule([new HostAlive(Time, 1, TimeSpan.Zero), new ScanFinished(Time, Done)]), Options(), default, () => false).GetAwaiter().GetResult();
        }

        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Length.EqualTo(4));
            Assert.That(lines[0], Is.EqualTo(ResultWriter.CsvHeader));
            Assert.That(lines[1], Does.StartWith("# widescan run version=2 command=scan fingerprint=none shard=1/2 seed=0x"), "a module that plans nothing leaves no fingerprint");
            Assert.That(lines[2], Is.EqualTo("alive,::1,0.000,2026-12-01T18:00:00.000Z,,,,,,,"));
            Assert.That(lines[3], Does.StartWith("# widescan summary status=complete fingerprint=none shard=1/2 cursor="));
        });
    }

    [Test]
    public void ASlowReaderOfStdoutIsToldToWriteToAFileAndExits3()
    {
        var summary = Done with { Lost = new DiscoveryLosses(0, 0, 650_802), Status = DiscoveryStatus.Incomplete };
        var (code, _, stderr) = Run(new FakeModule([new ScanFinished(Time, summary)]), Options(), destination: "stdout");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(3));
            Assert.That(stderr, Does.Contain("(incomplete: 650802 answers lost)"));
            Assert.That(stderr, Does.Contain("650802 answers lost: the consumer of results fell behind").And.Contain("write to a file with --output"));
            Assert.That(stderr, Does.Not.Contain("lower --rate"), "a slow reader is not fixed by a lower rate");
        });
    }

    [Test]
    public void KernelDropsNameTheRateAndARateShortfallIsAWarningNotAFailure()
    {
        var lossy = Done with { Lost = new DiscoveryLosses(0, 40, 0), Status = DiscoveryStatus.Incomplete };
        var (lossyCode, _, lossyError) = Run(new FakeModule([new ScanFinished(Time, lossy)]), Options());
        var slow = Done with { RateRequested = 10_000_000, RateAchieved = 140_000, RateShortfall = "CPU bound: 2 send lane(s) on 2 core(s) went no faster" };
        var (slowCode, results, slowError) = Run(new FakeModule([new ScanFinished(Time, slow)]), Options());
        var end = JsonDocument.Parse(results.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(lossyCode, Is.EqualTo(3));
            Assert.That(lossyError, Does.Contain("40 answers lost: the kernel dropped them").And.Contain("lower --rate"));
            Assert.That(slowCode, Is.EqualTo(0), "a shortfall alone is no failure");
            Assert.That(slowError, Does.Contain("warning: sent at 140000 pps of the --rate 10000000 asked for: CPU bound"));
            Assert.That(end.GetProperty("rateAchieved").GetDouble(), Is.EqualTo(140_000));
            Assert.That(end.GetProperty("rateShortfall").GetString(), Does.StartWith("CPU bound"));
        });
    }

    [Test]
    public void AFailedRunExits1AndSaysWhy()
    {
        var failed = Done with { Status = DiscoveryStatus.Failed, Failure = "the capture on wsa0 stopped: The interface disappeared" };
        var (code, results, stderr) = Run(new FakeModule([new ScanFinished(Time, failed)]), Options());
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Failure));
            Assert.That(stderr, Does.Contain("failed: the capture on wsa0 stopped"));
            Assert.That(results, Does.Contain("\"status\":\"failed\""));
        });
    }

    [Test]
    public void AnOutputThatFailsStopsTheRunWithOneLineAndExit1AtTheFirstEvent()
    {
        using var stderr = new StringWriter();
        var module = new FakeModule([new HostAlive(Time, 1, TimeSpan.Zero), new ScanFinished(Time, Done)]);
        using var results = new ResultWriter(new FullStream(), ResultFormat.Jsonl, flushEachRecord: false, destination: "/dev/full");
        var code = new DiscoveryDriver("widescan scan", stderr, results, progress: null)
            .RunAsync(module, Options() with { StatePath = "/tmp/s.json" }, default, () => false).GetAwaiter().GetResult();
        var lines = stderr.ToString().TrimEnd().Split(Environment.NewLine);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Failure));
            Assert.That(lines, Has.Length.EqualTo(1));
            Assert.That(lines[0], Does.StartWith("widescan scan: cannot write results to /dev/full: No space left").And.Contain("the run stopped"));
            Assert.That(module.Taken, Is.EqualTo(1), "the run record failed at the first event: the host asked for no more");
        });
    }

    [Test]
    public void ACheckpointFlushesTheResultsBeforeTheModuleGoesOn()
    {
        using var stream = new MemoryStream();
        var flushedAtCheckpoint = -1L;
        var state = ScanState.Of(Options().Targets!, 10, 100, Time);
        var module = new CallbackModule([new HostAlive(Time, 1, TimeSpan.Zero), new CheckpointReached(Time, state), new ScanFinished(Time, Done)],
            afterCheckpoint: () => flushedAtCheckpoint = stream.Length);
        using (var results = new ResultWriter(stream, ResultFormat.Jsonl, flushEachRecord: false))
            new DiscoveryDriver("widescan scan", TextWriter.Null, results, progress: null).RunAsync(module, Options(), default, () => false).GetAwaiter().GetResult();
        var beforeCheckpoint = Encoding.UTF8.GetString(stream.ToArray().AsSpan(0, (int)flushedAtCheckpoint));
        Assert.That(beforeCheckpoint.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2).And.Some.Contains("\"alive\""),
            "the run record and the result were in the stream when the module resumed after the checkpoint");
    }

    [Test]
    public void The_plan_labels_the_run_record_and_the_summary_with_its_fingerprint_and_shard()
    {
        var spec = Options().Targets!;
        var fingerprint = PlanFingerprint.Of(spec);
        var planned = new ScanPlanned(Time, fingerprint, spec.Shard, 0, 32_768);
        var (code, results, stderr) = Run(new FakeModule([planned, new ScanFinished(Time, Done with { PlanFingerprint = fingerprint })]), Options());

        var records = results.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(0), stderr);
            Assert.That(records[0].GetProperty("fingerprint").GetString(), Is.EqualTo(fingerprint));
            Assert.That(records[0].GetProperty("shard").GetString(), Is.EqualTo("1/2"));
            Assert.That(records[^1].GetProperty("fingerprint").GetString(), Is.EqualTo(fingerprint));
            Assert.That(records[^1].GetProperty("shard").GetString(), Is.EqualTo("1/2"));
            Assert.That(stderr, Does.Contain($"; plan {fingerprint}"), "the summary line");
        });
    }

    private static WidescanOptions Options(ulong startCursor = 0) => new()
    {
        Targets = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/112")], AllowReserved = true, Shard = new ShardSpec(1, 2), StartCursor = startCursor },
    };

    private static (int Code, string Results, string Stderr) Run(IDiscoveryModule module, WidescanOptions options, string destination = "out.jsonl")
    {
        using var stream = new MemoryStream();
        using var stderr = new StringWriter();
        int code;
        using (var results = new ResultWriter(stream, ResultFormat.Jsonl, flushEachRecord: false, destination: destination))
            code = new DiscoveryDriver("widescan scan", stderr, results, progress: null).RunAsync(module, options, default, () => false).GetAwaiter().GetResult();
        return (code, Encoding.UTF8.GetString(stream.ToArray()), stderr.ToString());
    }

    /// <summary>A stream that fails every write as /dev/full does.</summary>
    private sealed class FullStream : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("No space left on device : '/dev/full'");

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("No space left on device : '/dev/full'");
    }

    /// <summary>Plays events and runs a callback when the host asks for the event after a checkpoint (where the module saves its state).</summary>
    private sealed class CallbackModule(IEnumerable<DiscoveryEvent> events, Action afterCheckpoint) : IDiscoveryModule
    {
        public string Name => "discovery";

        public async IAsyncEnumerable<DiscoveryEvent> RunAsync(WidescanOptions options, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var e in events)
            {
                await Task.Yield();
                yield return e;
                if (e is CheckpointReached)
                    afterCheckpoint();
            }
        }
    }
}
