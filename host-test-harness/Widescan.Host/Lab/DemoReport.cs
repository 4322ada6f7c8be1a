using System.Globalization;

namespace Widescan.Host.Lab;

/// <summary>The demo's report on stdout: the lab's layout, then what the scan found, the listeners, and the verdict.</summary>
internal static class DemoReport
{
    /// <summary>The namespaces and addresses, before the scan starts.</summary>
    public static void WriteLayout(TextWriter output, DemoLab lab)
    {
        output.WriteLine($"Lab ({lab.Namespaces.Count} network namespaces, all addresses in 2001:db8::/32):");
        WriteTable(output, ["ROLE", "NAMESPACE", "ADDRESS", "WHAT"],
        [
            ["scanner", lab.Scanner, DemoLab.ScannerAddress, $"routes 2001:db8::/32 via the hub ({DemoLab.HubAddress})"],
            ["hub", lab.Hub, DemoLab.HubAddress, $"answers {lab.Hosts.Count} host(s) of {DemoLab.ScanPrefix}, blackholes the rest"],
            .. lab.Hosts.Select((h, i) => new[] { $"host {i + 1}", lab.Hub, h, "an address on the hub's lo" }),
            .. lab.Peers.Select(p => new[] { $"peer {p.Number}", p.Namespace, p.Address, $"widescan listen, port {p.Port}, node id {p.NodeId}" }),
        ]);
        output.WriteLine();
    }

    /// <summary>The scan's findings against the lab, each listener, and the verdict with every difference.</summary>
    public static void WriteResults(TextWriter output, DemoExpectation expected, DemoVerdict verdict)
    {
        var alive = verdict.Found.Count(r => r.Type == "alive");
        var peers = verdict.Found.Count(r => r.Type == "peer");
        output.WriteLine($"Scan of {DemoLab.ScanPrefix} from {expected.ScannerAddress}: {alive} alive, {peers} peer(s)");
        if (verdict.Found.Count > 0)
        {
            WriteTable(output, ["FOUND", "ADDRESS", "RTT MS", "NODE ID", "PORT", "AUTH", "HOW", "LAB"],
                verdict.Found.Select(r => new[]
                {
                    r.Type, r.AddressText, r.RttMs?.ToString("0.000", CultureInfo.InvariantCulture) ?? "-",
                    r.NodeId ?? "-", r.Port?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    r.Authenticated switch { true => "yes", false => "no", null => "-" },
                    r.How ?? "-", expected.Describe(r.Address) ?? "NOT IN LAB",
                }).ToList());
        }

        output.WriteLine();
        if (verdict.Listeners.Count > 0)
        {
            output.WriteLine("Listeners:");
            foreach (var listener in verdict.Listeners)
            {
                var peer = expected.Peers.First(p => p.Number == listener.Number);
                var saw = listener.SawScanner
                    ? $"saw the scanner {expected.ScannerAddress} (node id {listener.ScannerNodeId ?? "-"}, {listener.How ?? "-"})"
                    : "did NOT see the scanner";
                output.WriteLine($"  peer {listener.Number} ({peer.Address}): {saw}");
            }

            output.WriteLine();
        }

        if (verdict.Passed)
        {
            output.WriteLine($"PASS: all {expected.Hosts.Count} host(s) alive, all {expected.Peers.Count} peer(s) found with their node id and port, every listener saw the scanner.");
            return;
        }

        output.WriteLine($"FAIL: {verdict.Differences.Count} difference(s) from the lab:");
        foreach (var difference in verdict.Differences)
            output.WriteLine($"  - {difference}");
    }

    private static void WriteTable(TextWriter output, string[] header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            // The last column is not padded, so lines carry no trailing blanks.
            output.WriteLine("  " + string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))));
        }
    }
}
