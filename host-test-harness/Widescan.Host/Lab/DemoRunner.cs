using System.Globalization;

namespace Widescan.Host.Lab;

/// <summary>
/// The demo end to end: builds the lab, starts a listener in each peer's namespace, scans from the
/// scanner's namespace, stops the listeners, judges and reports. The children are stopped and the
/// namespaces deleted whatever happens, cancellation (Ctrl+C, SIGTERM) included.
/// </summary>
internal sealed class DemoRunner(DemoOptions options, TextWriter output, TextWriter error)
{
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    /// <summary>Runs the demo; returns the exit code (0 the scan found exactly the lab, 1 otherwise, 130 cancelled).</summary>
    public int Run(CancellationToken cancellationToken)
    {
        DemoLab? lab = null;
        DirectoryInfo? work = null;
        var children = new List<ChildProcess>();
        try
        {
            Say($"building the lab ({options.Hosts} host(s), {options.Peers} peer(s))");
            lab = DemoLab.Create(options.Hosts, options.Peers, cancellationToken: cancellationToken);
            DemoReport.WriteLayout(output, lab);
            work = Directory.CreateTempSubdirectory("wsd-");
            var problems = new List<string>();

            var listeners = lab.Peers.Select(peer => (peer, child: StartListener(peer, work, children))).ToList();
            WaitUntilListening(listeners, problems, cancellationToken);

            var scanOutput = Path.Combine(work.FullName, "scan.jsonl");
            Say($"scanning {DemoLab.ScanPrefix} ({DemoLab.ScanPrefix.Size:N0} targets) at {options.Rate:N0} probes/s from {lab.Scanner}");
            RunScan(lab, scanOutput, children, problems, cancellationToken);

            Say("stopping the listeners");
            foreach (var (peer, child) in listeners)
                StopListener(peer, child, problems);

            var scan = Read(scanOutput, "scan", problems);
            var seen = listeners.ToDictionary(l => l.peer.Number,
                l => (IReadOnlyList<ScanRecord>)Read(ListenerOutput(work, l.peer), $"peer {l.peer.Number}'s listener", problems));
            var expected = DemoExpectation.Of(lab);
            var verdict = DemoVerdict.Judge(expected, scan, seen, problems);
            DemoReport.WriteResults(output, expected, verdict);
            return verdict.Passed ? ExitCodes.Ok : ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Say("interrupted: stopping the children and tearing the lab down");
            return ExitCodes.Interrupted;
        }
        catch (LabCommandException e)
        {
            error.WriteLine($"widescan demo: {e.Message}");
            return ExitCodes.Failure;
        }
        finally
        {
            foreach (var child in children)
                child.Dispose();
            TearDown(lab, work);
        }
    }

    private ChildProcess StartListener(DemoPeer peer, DirectoryInfo work, List<ChildProcess> children)
    {
        var child = StartHarness($"peer {peer.Number}", peer.Namespace,
        [
            "listen", "--interface", DemoLab.PeerInterface, "--port", Invariant(peer.Port), "--node-id", peer.NodeId,
            "--duration", Invariant(options.ListenSeconds), "--output", ListenerOutput(work, peer), "--format", "jsonl",
        ], relay: null);
        children.Add(child);
        return child;
    }

    /// <summary>
    /// Waits until each listener holds a raw or packet socket in its namespace (it can see probes), so the
    /// scan does not race the listeners' start; a listener that exits meanwhile is a problem.
    /// </summary>
    private void WaitUntilListening(List<(DemoPeer peer, ChildProcess child)> listeners, List<string> problems, CancellationToken ct)
    {
        if (listeners.Count == 0)
            return;
        Say($"waiting for {listeners.Count} listener(s) to open their sockets");
        var waiting = listeners.ToList();
        var deadline = DateTime.UtcNow + ReadyLimit;
        while (waiting.Count > 0 && DateTime.UtcNow < deadline)
        {
            foreach (var (peer, child) in waiting.ToList())
            {
                if (child.HasExited)
                {
                    problems.Add($"peer {peer.Number}'s listener exited {child.ExitCode} before the scan{Hint(child.ExitCode)}{TailOf(child)}");
                    waiting.Remove((peer, child));
                }
                else if (HoldsSocket(peer.Namespace, child.Pid, ct))
                {
                    waiting.Remove((peer, child));
                }
            }

            if (waiting.Count > 0)
                ct.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200));
            ct.ThrowIfCancellationRequested();
        }

        foreach (var (peer, _) in waiting)
            Say($"peer {peer.Number}'s listener shows no raw or packet socket after {ReadyLimit.TotalSeconds:0} s; scanning anyway");
    }

    private static bool HoldsSocket(string ns, int pid, CancellationToken ct)
    {
        var result = LabCommands.Execute("ip", DemoLab.InNamespace(ns, ["ss", "-H", "-a", "-p", "-w", "-0"]), ct, TimeSpan.FromSeconds(5));
        return result.ExitCode == 0 && result.Stdout.Contains($"pid={pid},", StringComparison.Ordinal);
    }

    private void RunScan(DemoLab lab, string scanOutput, List<ChildProcess> children, List<string> problems, CancellationToken ct)
    {
        var scan = StartHarness("scan", lab.Scanner,
        [
            "scan", "--prefix", DemoLab.ScanPrefix.ToString(), "--allow-reserved", "--interface", DemoLab.ScannerInterface,
            "--rate", Invariant(options.Rate), "--cooldown", Invariant(DemoOptions.CooldownSeconds),
            "--node-id", DemoLab.ScannerNodeId, "--stats-interval", "1", "--output", scanOutput, "--format", "jsonl",
        ], relay: line => Relay("scan", line));
        children.Add(scan);
        if (!scan.WaitForExit(options.ScanLimit, ct))
        {
            scan.Stop(StopGrace);
            problems.Add($"the scan ran past {options.ScanLimit.TotalSeconds:0} s (expected about {options.ExpectedScan.TotalSeconds:0.#} s) and was stopped");
        }
        else if (scan.ExitCode != ExitCodes.Ok)
        {
            problems.Add($"the scan exited {scan.ExitCode}{Hint(scan.ExitCode)}");
        }
    }

    private static void StopListener(DemoPeer peer, ChildProcess child, List<string> problems)
    {
        if (child.HasExited)
            return; // Already reported while waiting for it, or it ended by its own --duration.
        if (!child.Stop(StopGrace))
            problems.Add($"peer {peer.Number}'s listener did not stop within {StopGrace.TotalSeconds:0} s of SIGINT and was killed{TailOf(child)}");
        else if (child.ExitCode is not (ExitCodes.Ok or ExitCodes.Interrupted))
            problems.Add($"peer {peer.Number}'s listener exited {child.ExitCode} when interrupted{Hint(child.ExitCode)}{TailOf(child)}");
    }

    private ChildProcess StartHarness(string name, string ns, string[] command, Action<string>? relay)
    {
        var (file, prefix) = HarnessCommandLine.Current();
        return ChildProcess.Start(name, "ip", DemoLab.InNamespace(ns, [file, .. prefix, "--plugins", options.PluginsDirectory, .. command]), relay);
    }

    private static List<ScanRecord> Read(string path, string source, List<string> problems)
    {
        if (!File.Exists(path))
        {
            problems.Add($"{source} wrote no output ({path})");
            return [];
        }

        return ScanRecord.ReadAll(File.ReadLines(path), source, problems);
    }

    private void TearDown(DemoLab? lab, DirectoryInfo? work)
    {
        if (lab is null)
            return;
        if (options.Keep)
        {
            error.WriteLine($"demo: --keep: the lab is still up: {string.Join(' ', lab.Namespaces)}");
            error.WriteLine($"demo:   look inside with: sudo ip netns exec {lab.Scanner} ip -6 route");
            error.WriteLine($"demo:   delete it with:   for ns in {string.Join(' ', lab.Namespaces)}; do sudo ip netns del $ns; done");
            if (work is not null)
                error.WriteLine($"demo:   the children's output is in {work.FullName}");
            return;
        }

        lab.Dispose();
        var left = LabNames.List().Where(n => lab.Namespaces.Contains(n.Name)).Select(n => n.Name).ToList();
        if (left.Count > 0)
            error.WriteLine($"widescan demo: could not delete {string.Join(", ", left)}: sudo ip netns del NAME");
        else
            Say($"lab torn down ({lab.Namespaces.Count} namespaces deleted)");
        try
        {
            work?.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }

    private static string ListenerOutput(DirectoryInfo work, DemoPeer peer) => Path.Combine(work.FullName, $"peer{peer.Number}.jsonl");

    private static string Hint(int exitCode) => exitCode switch
    {
        ExitCodes.Usage => " (bad usage: does this harness have the scan and listen commands?)",
        ExitCodes.NoPermission => " (no CAP_NET_RAW)",
        ExitCodes.Interrupted => " (interrupted)",
        _ => "",
    };

    private static string TailOf(ChildProcess child)
    {
        var tail = child.Tail();
        return tail.Count == 0 ? "" : ":\n      " + string.Join("\n      ", tail.TakeLast(6));
    }

    private void Relay(string name, string line)
    {
        lock (error)
            error.WriteLine($"  {name}: {line}");
    }

    private void Say(string message)
    {
        lock (error)
            error.WriteLine($"demo: {message}");
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
