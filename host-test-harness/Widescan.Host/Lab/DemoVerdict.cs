using Widescan.Contracts;

namespace Widescan.Host.Lab;

/// <summary>What one listener (peer number <paramref name="Number"/>) reported about the scanner.</summary>
internal sealed record ListenerOutcome(int Number, bool SawScanner, string? ScannerNodeId, string? How);

/// <summary>
/// The demo's judgement: the scan's records against the lab, and each listener's records against the
/// scanner. Pure code over parsed lines, so the tests check it on canned output.
/// </summary>
internal sealed class DemoVerdict
{
    private DemoVerdict(IReadOnlyList<ScanRecord> found, IReadOnlyList<ListenerOutcome> listeners, IReadOnlyList<string> differences)
    {
        Found = found;
        Listeners = listeners;
        Differences = differences;
    }

    /// <summary>The scan's alive and peer records, in the order reported.</summary>
    public IReadOnlyList<ScanRecord> Found { get; }

    /// <summary>One per peer, in peer order.</summary>
    public IReadOnlyList<ListenerOutcome> Listeners { get; }

    /// <summary>Every way the outcome differs from the expectation (with the runner's own problems first); empty when it passed.</summary>
    public IReadOnlyList<string> Differences { get; }

    /// <summary>Whether the scan found exactly the lab and every listener saw the scanner.</summary>
    public bool Passed => Differences.Count == 0;

    /// <summary>
    /// Compares <paramref name="scan"/> (the scanner's records) and <paramref name="listeners"/> (each
    /// peer's records, by peer number) with <paramref name="expected"/>. <paramref name="problems"/>
    /// are failures found on the way (exit codes, unreadable lines) and count as differences.
    /// </summary>
    public static DemoVerdict Judge(DemoExpectation expected, IReadOnlyList<ScanRecord> scan,
        IReadOnlyDictionary<int, IReadOnlyList<ScanRecord>> listeners, IEnumerable<string> problems)
    {
        var differences = problems.ToList();
        var hosts = expected.Hosts.Select(Ipv6Address.Parse).ToList();
        var peers = expected.Peers.ToDictionary(p => Ipv6Address.Parse(p.Address));
        var alive = scan.Where(r => r.Type == "alive").ToList();
        var found = scan.Where(r => r.Type == "peer").ToList();

        foreach (var group in alive.GroupBy(r => r.Address).Where(g => g.Count() > 1))
            differences.Add($"{Ipv6Address.Format(group.Key)} was reported alive {group.Count()} times");
        foreach (var group in found.GroupBy(r => r.Address).Where(g => g.Count() > 1))
            differences.Add($"{Ipv6Address.Format(group.Key)} was reported as a peer {group.Count()} times");

        var aliveSet = alive.Select(r => r.Address).ToHashSet();
        var peerSet = found.Select(r => r.Address).ToHashSet();
        for (var i = 0; i < hosts.Count; i++)
        {
            if (peerSet.Contains(hosts[i]))
                differences.Add($"host {i + 1} ({expected.Hosts[i]}) was reported as a peer; it runs no Widescan");
            else if (!aliveSet.Contains(hosts[i]))
                differences.Add($"host {i + 1} ({expected.Hosts[i]}) was not found alive");
        }

        // A peer's kernel answers the echo request too, so a peer also reported alive is no extra host.
        foreach (var address in aliveSet.Where(a => !hosts.Contains(a) && !peers.ContainsKey(a)))
            differences.Add($"{Ipv6Address.Format(address)} was reported alive but is no host of the lab");
        foreach (var address in peerSet.Where(a => !peers.ContainsKey(a)))
            differences.Add($"{Ipv6Address.Format(address)} was reported as a peer but is no peer of the lab");

        foreach (var (address, peer) in peers)
        {
            var record = found.FirstOrDefault(r => r.Address == address);
            if (record is null)
            {
                var seen = aliveSet.Contains(address) ? "; it was seen only as alive" : "";
                differences.Add($"peer {peer.Number} ({peer.Address}) was not found as a peer{seen}");
                continue;
            }

            if (!string.Equals(record.NodeId, peer.NodeId, StringComparison.OrdinalIgnoreCase))
                differences.Add($"peer {peer.Number} ({peer.Address}) announced node id {record.NodeId ?? "(none)"}, expected {peer.NodeId}");
            if (record.Port != peer.Port)
                differences.Add($"peer {peer.Number} ({peer.Address}) announced port {record.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}, expected {peer.Port}");
        }

        var scanner = Ipv6Address.Parse(expected.ScannerAddress);
        var outcomes = new List<ListenerOutcome>();
        foreach (var peer in expected.Peers)
        {
            var records = listeners.TryGetValue(peer.Number, out var list) ? list : [];
            var saw = records.FirstOrDefault(r => r.Type == "peer" && r.Address == scanner);
            outcomes.Add(new ListenerOutcome(peer.Number, saw is not null, saw?.NodeId, saw?.How));
            if (saw is null)
                differences.Add($"peer {peer.Number}'s listener did not see the scanner ({expected.ScannerAddress})");
            else if (!string.Equals(saw.NodeId, expected.ScannerNodeId, StringComparison.OrdinalIgnoreCase))
                differences.Add($"peer {peer.Number}'s listener saw the scanner with node id {saw.NodeId ?? "(none)"}, expected {expected.ScannerNodeId}");
        }

        return new DemoVerdict([.. alive, .. found], outcomes, differences);
    }
}
