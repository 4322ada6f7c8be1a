using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Widescan.Contracts;
using Widescan.Plugin.Generation;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// The packaged `widescan scan` as a process in a lab, crashed and failed on purpose: a saved cursor
/// never runs ahead of the results on disk, an output error stops the run, a resume repairs and
/// completes what the runs before it left.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(180_000)]
public sealed class DurabilityLabTests
{
    private const string Dense = "2001:db8:100::/112";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Test]
    public void A_resume_chain_killed_at_random_moments_and_at_each_hook_loses_no_answer()
    {
        using var lab = DenseLab(Dense);
        var dir = Directory.CreateTempSubdirectory("widescan-chain-").FullName;
        var state = Path.Combine(dir, "scan.state");
        var output = Path.Combine(dir, "scan.jsonl");
        const int Rate = 5_000;
        var random = new Random(20261201);
        var kills = new List<string>();
        try
        {
            // 15 kills at random moments of a run's sending, then one at each crash hook, then to the end.
            string?[] hooks = [.. Enumerable.Repeat<string?>(null, 15), "flushed:1", "state-written:1", "state-renamed:1"];
            var resumes = 0;
            foreach (var hook in hooks)
            {
                // Without a state (no checkpoint yet) a run starts afresh and truncates the output.
                resumes = File.Exists(state) ? resumes + 1 : 0;
                var before = Length(output);
                using var scan = Start(lab.Scanner, hook, Scan(state, output, Rate));
                if (hook is null)
                {
                    // A random moment once this run is sending: 0 to 1 s after its first result
                    // (the run record is ~250 bytes, a result ~100).
                    WaitFor(() => Length(output) > before + 400 || scan.HasExited, TimeSpan.FromSeconds(20));
                    Thread.Sleep(random.Next(0, 1000));
                    if (!scan.HasExited)
                        scan.Kill();
                }

                Assert.That(scan.WaitForExit(20_000), Is.True, "a run did not end");
                kills.Add($"{hook ?? "random"}: exit {scan.ExitCode}, cursor {(File.Exists(state) ? ScanState.Load(state).Cursor : 0)}, {Lines(output).Length} lines");
                if (hook is not null)
                    Assert.That(scan.ExitCode, Is.EqualTo(137), $"the hook {hook} was not reached: {kills[^1]}");
                AssertStateBehindResults(state, output);
            }

            resumes++;
            using (var last = Start(lab.Scanner, null, Scan(state, output, Rate)))
            {
                Assert.That(last.WaitForExit(45_000), Is.True, "the last run did not end");
                Assert.That(last.ExitCode, Is.EqualTo(0), "the last run: " + string.Join('\n', kills));
            }

            var records = Records(output);
            var alive = records.Where(r => r.Type == "alive").Select(r => r.Address).ToList();
            var distinct = alive.Distinct().Count();
            var duplicates = alive.Count - distinct;

            // A crash repeats what was sent after the saved cursor: the cursor lags the sending by the
            // settle time (grace + margin, 2 s), up to a checkpoint interval (0.5 s) and a sample
            // (0.1 s), plus the pipeline's batches in flight (pool of 6 batches of 500 at this rate).
            const int PerCrash = (int)(Rate * (2 + 0.5 + 0.1 + 0.4)) + (6 * 500);
            TestContext.Out.WriteLine($"chain: {distinct} of 65536 alive, {duplicates} duplicates over {hooks.Length} crashes (bound {hooks.Length * PerCrash}); runs:\n{string.Join('\n', kills)}");
            Assert.Multiple(() =>
            {
                Assert.That(distinct, Is.EqualTo(65_536), "an answered address is missing at the end");
                Assert.That(duplicates, Is.LessThanOrEqualTo(hooks.Length * PerCrash), "more repeated than the in-flight batches explain");
                Assert.That(records.Count(r => r.Type == "run"), Is.EqualTo(resumes + 1), "every run since the last fresh start, resumes included, starts with its run record");
                Assert.That(records[^1].Type, Is.EqualTo("summary"));
                Assert.That(ScanState.Load(state).Cursor, Is.EqualTo(65_536UL));
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void A_full_disk_stops_the_scan_with_the_state_at_what_is_on_disk_and_a_resume_completes()
    {
        const string Swept = "2001:db8:100::/116"; // 4,096 answers: ~390 KB of results against 256 KiB
        using var lab = DenseLab(Swept);
        var dir = Directory.CreateTempSubdirectory("widescan-full-").FullName;
        var mount = Path.Combine(dir, "small");
        Directory.CreateDirectory(mount);
        var state = Path.Combine(dir, "scan.state");
        var output = Path.Combine(mount, "scan.jsonl");
        Run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount);
        try
        {
            var full = Harness(lab.Scanner, Scan(state, output, 1_000, Swept));
            Assert.Multiple(() =>
            {
                Assert.That(full.ExitCode, Is.EqualTo(1), full.ToString);
                Assert.That(full.Output, Does.Contain($"cannot write results to {output}").And.Contain("No space left on device"));
            });
            AssertStateBehindResults(state, output, Swept);

            var torn = !File.ReadAllText(output).EndsWith('\n');
            Run("mount", "-o", "remount,size=4m", mount); // space freed
            var resumed = Harness(lab.Scanner, Scan(state, output, 1_000, Swept));
            var lines = Lines(output);
            Assert.Multiple(() =>
            {
                Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString);
                Assert.That(resumed.Output.Contains("removed a half-written last line", StringComparison.Ordinal), Is.EqualTo(torn), "a torn line is repaired and said, and only then");
                Assert.That(lines.All(IsJson), Is.True, "every line is valid JSON after the resume");
                Assert.That(Records(output).Where(r => r.Type == "alive").Select(r => r.Address).Distinct().Count(), Is.EqualTo(4096));
            });
        }
        finally
        {
            Run("umount", mount);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void An_output_to_dev_full_fails_before_sending_and_saves_no_state()
    {
        using var lab = DenseLab("2001:db8:100::/120");
        var dir = Directory.CreateTempSubdirectory("widescan-devfull-").FullName;
        var state = Path.Combine(dir, "scan.state");
        try
        {
            var run = Harness(lab.Scanner, Scan(state, "/dev/full", 5_000, "2001:db8:100::/120"));
            Assert.Multiple(() =>
            {
                Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString);
                Assert.That(run.Output, Does.Contain("cannot write results to /dev/full: No space left on device"));
                Assert.That(File.Exists(state), Is.False, "a state was saved with no result on disk");
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("raw", "Listening with raw: raw ICMPv6 socket on", "the interface " + NetnsLab.ScannerInterface + " is gone")]
    [TestCase("capture", "Listening with capture: pcap on", "the capture on " + NetnsLab.ScannerInterface + " stopped")]
    public void A_listener_whose_interface_is_deleted_says_so_and_exits_non_zero(string listener, string listening, string reason)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        using var listen = Start(lab.Scanner, null, ["listen", "--listener", listener, "--interface", NetnsLab.ScannerInterface, "--duration", "30", "--port", "4001"]);
        WaitFor(() => Text(listen).Contains(listening, StringComparison.Ordinal) || listen.HasExited, TimeSpan.FromSeconds(20));
        Assert.That(listen.HasExited, Is.False, Text(listen));
        lab.ExecInScanner("ip", "link", "del", NetnsLab.ScannerInterface);
        var ended = listen.WaitForExit(15_000);
        if (!ended)
            listen.Kill();
        var text = Output(listen);
        TestContext.Out.WriteLine(text);
        Assert.Multiple(() =>
        {
            Assert.That(ended, Is.True, "the listener stayed up, deaf, after its interface went: " + text);
            Assert.That(listen.ExitCode, Is.EqualTo(1), text);
            Assert.That(text, Does.Contain(reason));
        });
    }

    /// <summary>Every target before the saved cursor answered, so every one must be on disk.</summary>
    private static void AssertStateBehindResults(string state, string output, string prefix = Dense)
    {
        if (!File.Exists(state))
            return;
        var saved = ScanState.Load(state);
        var spec = new TargetSpec { Include = [Ipv6Prefix.Parse(prefix)], AllowReserved = true, Seed = saved.Seed };
        var targets = new UInt128[saved.Cursor];
        using (var stream = new CpuAddressGenerator().Open(spec))
        {
            var filled = 0;
            while (filled < targets.Length && stream.Fill(targets.AsSpan(filled)) is > 0 and var n)
                filled += n;
        }

        var onDisk = Records(output).Where(r => r.Type == "alive").Select(r => r.Address).ToHashSet();
        var missing = targets.Count(t => !onDisk.Contains(t));
        Assert.That(missing, Is.Zero, $"the state's cursor {saved.Cursor} ran ahead of the results on disk ({onDisk.Count} addresses)");
    }

    private static string[] Scan(string state, string output, int rate, string prefix = Dense) =>
        ["scan", "--prefix", prefix, "--allow-reserved", "--generator", "cpu", "--rate", rate.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cooldown", "1", "--stats-interval", "0.5", "--state", state, "--output", output];

    private static NetnsLab DenseLab(string prefix) => NetnsLab.Dense(prefix);

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static string[] Lines(string path)
    {
        if (!File.Exists(path))
            return [];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(file);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static bool IsJson(string line)
    {
        try
        {
            using var _ = JsonDocument.Parse(line);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The complete lines, by type; a torn last line (a crash mid-write) is left out, as a resume cuts it.</summary>
    private static List<(string Type, UInt128 Address)> Records(string path)
    {
        var records = new List<(string, UInt128)>();
        foreach (var line in Lines(path).Where(IsJson))
        {
            using var json = JsonDocument.Parse(line);
            var type = json.RootElement.GetProperty("type").GetString()!;
            records.Add((type, json.RootElement.TryGetProperty("address", out var a) ? Ipv6Address.Parse(a.GetString()!) : 0));
        }

        return records;
    }

    private static void WaitFor(Func<bool> condition, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < limit)
            Thread.Sleep(20);
    }

    private static string HostDll => Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll");

    private static ProcessRunner.Result Harness(string ns, string[] arguments) =>
        ProcessRunner.Run("ip", ["netns", "exec", ns, "dotnet", HostDll, "--plugins", RepoArtifacts.PluginsDirectory, .. arguments], RepoArtifacts.Root, Limit);

    /// <summary>Starts the harness in the namespace (ip netns exec replaces itself by dotnet, so a kill reaches the scanner itself).</summary>
    private static Process Start(string ns, string? crashAt, string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = RepoArtifacts.Root };
        foreach (var argument in (string[])["netns", "exec", ns, "dotnet", HostDll, "--plugins", RepoArtifacts.PluginsDirectory, .. arguments])
            start.ArgumentList.Add(argument);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        if (crashAt is not null)
            start.Environment["WIDESCAN_TEST_CRASH_AT"] = crashAt;
        var process = new Process { StartInfo = start };
        var text = new StringBuilder();
        s_output.Add(process, text);
        process.OutputDataReceived += (_, e) => { lock (text) text.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (text) text.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Process, StringBuilder> s_output = [];

    private static string Output(Process process)
    {
        process.WaitForExit();
        return Text(process);
    }

    private static string Text(Process process)
    {
        var text = s_output.TryGetValue(process, out var b) ? b : new StringBuilder();
        lock (text)
            return text.ToString();
    }

    private static void Run(string tool, params string[] arguments)
    {
        var result = ProcessRunner.Run(tool, arguments, RepoArtifacts.Root, TimeSpan.FromSeconds(15));
        Assert.That(result.ExitCode, Is.EqualTo(0), $"{tool} {string.Join(' ', arguments)}: {result}");
    }
}
