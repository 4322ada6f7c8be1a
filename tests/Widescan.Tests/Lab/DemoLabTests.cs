using System.Diagnostics;
using Widescan.Host.Lab;

namespace Widescan.Tests.Lab;

/// <summary>
/// The demo's lab built for real: every plain host and every peer answers a ping from the scanner's
/// namespace, a dead address of the prefix stays silent, and nothing is left once it is disposed.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DemoLabTests
{
    [Test]
    [CancelAfter(60_000)]
    public void Every_host_and_peer_answers_the_scanner_and_dead_addresses_stay_silent(CancellationToken cancellationToken)
    {
        Assume.That(Environment.IsPrivilegedProcess, "needs root to create network namespaces");
        string stem;
        var stopwatch = Stopwatch.StartNew();
        using (var lab = DemoLab.Create(hosts: 5, peers: 3, cancellationToken: cancellationToken))
        {
            stem = lab.Stem;
            TestContext.Out.WriteLine($"lab built in {stopwatch.ElapsedMilliseconds} ms: {string.Join(", ", lab.Namespaces)}");
            Assert.That(lab.Namespaces, Has.Count.EqualTo(2 + 3));
            Assert.That(lab.Hosts, Has.Count.EqualTo(5));
            Assert.That(lab.Peers.Select(p => p.Address).Concat(lab.Hosts), Is.Unique);
            Assert.That(LabNames.List().Select(n => n.Name).Where(n => n.StartsWith(stem + "-", StringComparison.Ordinal)),
                Is.EquivalentTo(lab.Namespaces));

            var silent = lab.Hosts.Concat(lab.Peers.Select(p => p.Address)).Where(a => !lab.Ping(a, cancellationToken)).ToList();
            Assert.That(silent, Is.Empty, "these lab addresses did not answer a ping from the scanner");

            var dead = FirstDeadAddress(lab);
            Assert.That(lab.Ping(dead, cancellationToken), Is.False, $"{dead} is blackholed and must not answer");
        }

        Assert.That(LabNames.List().Where(n => n.Name.StartsWith(stem + "-", StringComparison.Ordinal)), Is.Empty,
            "namespaces left after Dispose");
    }

    [Test]
    [CancelAfter(30_000)]
    public void Namespaces_of_a_dead_process_are_removed_before_a_lab_is_built(CancellationToken cancellationToken)
    {
        Assume.That(Environment.IsPrivilegedProcess, "needs root to create network namespaces");
        var stale = $"{LabNames.Prefix}{DeadPid()}-1-scan";
        LabCommands.Run("ip", ["netns", "add", stale], cancellationToken);
        try
        {
            using var lab = DemoLab.Create(hosts: 1, peers: 0, cancellationToken: cancellationToken);
            Assert.That(LabNames.List().Select(n => n.Name), Does.Not.Contain(stale));
        }
        finally
        {
            LabCommands.TryRun("ip", ["netns", "del", stale]);
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public void A_build_cancelled_half_way_leaves_no_namespace(CancellationToken cancellationToken)
    {
        Assume.That(Environment.IsPrivilegedProcess, "needs root to create network namespaces");
        var before = OwnNamespaces();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(150));
        try
        {
            // 16 peers take well over 150 ms to build, so the cancellation lands in the middle.
            DemoLab.Create(hosts: 5, peers: DemoLab.MaxPeers, cancellationToken: cancel.Token).Dispose();
            Assert.Warn("the lab was built before the cancellation landed; nothing half-built was tested");
        }
        catch (OperationCanceledException)
        {
        }

        Assert.That(OwnNamespaces().Except(before), Is.Empty, "namespaces left after a cancelled build");
    }

    private static List<string> OwnNamespaces() =>
        LabNames.List().Where(n => n.Pid == Environment.ProcessId).Select(n => n.Name).ToList();

    private static string FirstDeadAddress(DemoLab lab)
    {
        var taken = lab.Hosts.Concat(lab.Peers.Select(p => p.Address)).ToHashSet();
        for (var offset = 1; ; offset++)
        {
            var candidate = Widescan.Contracts.Ipv6Address.Format(DemoLab.ScanPrefix.Network | (UInt128)offset);
            if (!taken.Contains(candidate))
                return candidate;
        }
    }

    private static int DeadPid()
    {
        // Above any PID this run will see soon, and checked absent.
        for (var pid = 4_000_000; ; pid--)
        {
            if (!Directory.Exists($"/proc/{pid}"))
                return pid;
        }
    }
}
