using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Samples.Browser;

/// <summary>
/// Issue 15's browser test: samples/Widescan.Bootstrap, published (<see cref="BootstrapPublishing"/>:
/// Native AOT, or the plugin-folder build), runs in the lab's scanner namespace with its listener on,
/// its rendezvous address claimed under a network key, and a scheduled scan of two include prefixes
/// (a /112 that the target namespace answers in part: sparse live hosts, a Widescan node listening at
/// one of them, an unreachable /116; and a /120 with three live hosts). The harness scans the server at
/// the rendezvous address that `widescan rendezvous` computes, from the target namespace. Debian's
/// chromium, headless inside the server's namespace, loads the page; through the DevTools protocol
/// the test sees the scanner's node id in the peer table, its sightings (PeerSeen) and its expiry
/// (PeerExpired), the claimed address, and answered cells on the map of each prefix, and saves a
/// screenshot (a test attachment, and artifacts/screenshots/).
/// </summary>
[NonParallelizable]
public abstract class BootstrapBrowserTests(BootstrapBuild build)
{
    private const string ScanPrefix = "2001:db8:100::/112";
    private const string SecondPrefix = "2001:db8:101::/120";
    private const string UnreachablePrefix = "2001:db8:100::f000/116";
    private const string ListeningNode = "2001:db8:100::7777";
    private const string ServerNodeId = "b0075a3e000000000000000000000001";
    private const string ScannerNodeId = "5ca4e500000000000000000000000002";
    private const string ListenerNodeId = "00000000000000000000000000000b0b";
    private const string NetworkKey = "776964657363616e20626f6f74737472617020746573742d6b65792d30303031";
    private const int HttpPort = 18080;
    private const int DevToolsPort = 19222;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    // 24 live hosts in distinct /126 cells (none the node's), all below the unreachable /116 (the last of the /112).
    private static readonly string[] LiveHosts =
        [.. Enumerable.Range(0, 24).Select(i => $"2001:db8:100::{i * 0xa3b + 0x11:x}")];
    private static readonly string[] SecondPrefixHosts = ["2001:db8:101::7", "2001:db8:101::80", "2001:db8:101::fe"];

    private string _published = "";
    private string _keyFile = "";

    [OneTimeSetUp]
    public async Task TakeThePublishedSample()
    {
        if (!NetnsLab.IsRoot)
            return;
        _published = await BootstrapPublishing.FolderAsync(build);
        // Where the sample's appsettings.json looks for it (NetworkKeyFile "network.key", beside the server).
        _keyFile = Path.Combine(_published, "network.key");
        await File.WriteAllTextAsync(_keyFile, NetworkKey + "\n");
    }

    [Test]
    public async Task The_page_shows_the_scanner_as_a_peer_the_rendezvous_claim_and_the_map_of_each_prefix_in_a_real_browser()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        var clock = Stopwatch.StartNew();
        using var lab = NetnsLab.Create();
        lab.AnswerSparse(ScanPrefix, LiveHosts);
        lab.AnswerSparse(SecondPrefix, SecondPrefixHosts);
        lab.RejectRoute("unreachable", UnreachablePrefix);
        lab.LiftIcmpErrorLimits();
        // Duplicate address detection on the server's link, as on a real one: the claim waits for it.
        NetnsLab.EnableDad(lab.Scanner, NetnsLab.ScannerInterface);
        var harness = Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll");
        var rendezvous = RendezvousAddress(harness);

        // A Widescan node in a namespace of its own (every address of the target's is the target's),
        // holding one address of the scanned /112 that the target routes to it.
        var node = lab.AddBridgedMember(1);
        Ip("-n", node, "-6", "addr", "add", ListeningNode + "/128", "dev", "lo", "nodad");
        Ip("-n", lab.Target, "-6", "route", "add", ListeningNode + "/128", "via", "2001:db8:2::1", "dev", NetnsLab.BridgeInterface);
        using var listener = LabProcess.Start(node, RepoArtifacts.Root, "dotnet", harness, "--plugins", RepoArtifacts.PluginsDirectory,
            "listen", "--duration", "90", "--port", "30304", "--node-id", ListenerNodeId, "--network-key-file", _keyFile);
        await WaitFor("the node's listener", () => Task.FromResult(listener.Output.Contains("Listening with", StringComparison.Ordinal)), listener, ct);

        using var server = StartServer(lab.Scanner);
        using var http = new LabHttp(lab.Scanner);
        using var client = http.Client();
        await WaitFor("the server's /healthz", async () => (await TryGet(client, "/healthz", ct))?.StartsWith("Healthy", StringComparison.Ordinal) == true, server, ct);
        await WaitFor("the rendezvous claim on /api/rendezvous", async () => (await TryGet(client, "/api/rendezvous", ct))?.Contains(rendezvous, StringComparison.Ordinal) == true, server, ct);
        var held = NetnsLab.Addresses(lab.Scanner, NetnsLab.ScannerInterface);
        Assert.That(held, Does.Contain(rendezvous + "/64"), "the kernel holds the address `widescan rendezvous` computes for the server's /64");
        Assert.That(held, Does.Contain("preferred_lft 0sec"), "never a source of the server's own traffic: " + held);

        // The server's first scan (at start) to its end: a map with answers of every kind. Only then
        // does the harness scan from the target namespace, whose listener would answer for its addresses.
        JsonNode? map = null;
        await WaitFor("the server's scheduled scan to finish on /api/map", async () =>
        {
            map = JsonNode.Parse(await TryGet(client, "/api/map", ct) is { Length: > 0 } m ? m : "null");
            return map is not null && (string?)map["status"] == "Complete";
        }, server, ct);
        TestContext.Progress.WriteLine($"  ({build}) the server's scan complete {clock.Elapsed.TotalSeconds:F1} s into the test");

        // The harness scans the server's rendezvous address from the other namespace, three probes a
        // second apart: the server's listener hears a scanner (a peer), then hears it again (PeerSeen), then
        // no more (PeerExpired, Widescan:PeerExpiry 5 s).
        var scan = ProcessRunner.Run("ip",
            ["netns", "exec", lab.Target, "dotnet", harness, "--plugins", RepoArtifacts.PluginsDirectory, "scan", "--prefix", rendezvous + "/128",
                "--allow-reserved", "--rate", "100", "--probes", "3", "--probe-interval", "1", "--cooldown", "1", "--node-id", ScannerNodeId,
                "--network-key-file", _keyFile, "--format", "jsonl", "-q"],
            RepoArtifacts.Root, Limit);
        Assert.That(scan.ExitCode, Is.Zero, scan.ToString);
        Assert.That(scan.Output, Does.Contain(ServerNodeId).And.Contain(rendezvous), "the harness's scan finds the server at its rendezvous address: " + scan);
        await WaitFor("the scanner in /api/peers", async () => (await TryGet(client, "/api/peers", ct))?.Contains(ScannerNodeId, StringComparison.Ordinal) == true, server, ct);

        var grids = map!["grids"]!.AsArray();
        Assert.That(grids.Select(g => (string?)g!["prefix"]), Is.EqualTo(new[] { ScanPrefix, SecondPrefix }), "one grid per include prefix");
        var first = Kinds(grids[0]!);
        var second = Kinds(grids[1]!);
        Assert.Multiple(() =>
        {
            Assert.That(first[0], Is.EqualTo(LiveHosts.Length), "alive: every live host");
            Assert.That(first[1], Is.EqualTo(1), "one peer: the listening node");
            Assert.That(first[2], Is.EqualTo(4096), "every address of the unreachable /116, each one ICMPv6 error");
            Assert.That((int)grids[0]!["cellLength"]!, Is.EqualTo(126), "a /112 in 16,384 cells (appsettings.json's ProgressCells) is 128 x 128 cells of /126");
            Assert.That((double?)grids[0]!["probesPerCell"], Is.EqualTo(4), "4 addresses a cell, one probe each");
            Assert.That(Probes(grids[0]!), Is.EqualTo(65536), "the plugin counted every probe of the /112 in its cells");
            Assert.That(second[0], Is.EqualTo(SecondPrefixHosts.Length), "the /120's live hosts");
            Assert.That((int)grids[1]!["cellLength"]!, Is.EqualTo(128), "a /120 holds 256 cells at most: one address each");
            Assert.That(Probes(grids[1]!), Is.EqualTo(256));
            Assert.That((ulong)map["cursor"]!, Is.EqualTo(65536UL + 256));
        });
        var metrics = await TryGet(client, "/metrics", ct);
        Assert.That(metrics, Does.Contain("widescan_probes_sent_total"), "the Prometheus endpoint carries the Widescan meter");

        // Chromium, headless inside the server's namespace, loads the page.
        var profile = Directory.CreateTempSubdirectory("widescan-chromium-");
        try
        {
            using var chromium = LabProcess.Start(lab.Scanner, profile.FullName, "chromium",
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-extensions",
                "--no-first-run", "--disable-dev-shm-usage", $"--remote-debugging-port={DevToolsPort}", $"--user-data-dir={profile.FullName}",
                "--window-size=1600,900", $"http://[::1]:{HttpPort}/");
            await WaitFor("chromium's DevTools endpoint", async () => await TryGet(client, $"http://127.0.0.1:{DevToolsPort}/json/version", ct) is not null, chromium, ct);
            using var tools = await DevTools.ConnectAsync(http, DevToolsPort, ct);
            JsonNode? page = null;
            await WaitFor("the page to show the scanner expired, the claim and the map", async () =>
            {
                page = await tools.EvaluateAsync(PageState, ct);
                return (string?)page?["scannerState"] == "expired" && (int?)page?["paintedCells"] > 0
                    && ((string?)page?["status"])?.StartsWith("Complete", StringComparison.Ordinal) == true && ((string?)page?["rendezvous"])?.Length > 0;
            }, chromium, ct);
            TestContext.Progress.WriteLine($"  ({build}) the page showed the scanner expired {clock.Elapsed.TotalSeconds:F1} s into the test");

            // The second prefix's map, through its button; then back to the first for the screenshot.
            var other = await tools.EvaluateAsync(SelectGrid(1), ct);
            await tools.EvaluateAsync(SelectGrid(0), ct);
            var png = await tools.ScreenshotAsync(ct);
            var saved = SaveScreenshot(png);
            Assert.Multiple(() =>
            {
                Assert.That((bool?)page!["scanner"], Is.True, "the peer table holds the scanner's node id");
                Assert.That((string?)page["scannerHow"], Is.EqualTo("probed-us"));
                Assert.That((int?)page["scannerSightings"], Is.GreaterThanOrEqualTo(2), "PeerSeen: heard again after the first probe");
                Assert.That((bool?)page["scannerLastAfterFirst"], Is.True, "its last sighting moved past its first");
                Assert.That((string?)page["scannerState"], Is.EqualTo("expired"), "PeerExpired: unheard for PeerExpiry, the row kept and marked");
                Assert.That((bool?)page["listener"], Is.True, "and the node the scan found");
                Assert.That((string?)page["rendezvous"], Is.EqualTo(rendezvous), "the claimed address in the page's header");
                Assert.That((int?)page["grids"], Is.EqualTo(2), "a button per include prefix");
                Assert.That((int?)page["swatches"], Is.EqualTo(6), "the legend's six colours: its styles are in style.css, which the Content-Security-Policy allows");
                // 24 alive hosts and the node fall in distinct /126 cells; the /116 is 1,024 cells.
                Assert.That((int?)page["paintedCells"], Is.EqualTo(LiveHosts.Length + 1 + 1024), "cells with answers, as the page counted them");
                Assert.That((int?)page["answerPixels"], Is.GreaterThan(1024 * 16), "pixels of the canvas in the answer colours (each cell is 4 x 4 px)");
                Assert.That((string?)other?["prefix"], Is.EqualTo(SecondPrefix), "the second button draws the /120");
                Assert.That((int?)other?["paintedCells"], Is.EqualTo(SecondPrefixHosts.Length), "its three live hosts, one cell each");
                Assert.That((int?)other?["answerPixels"], Is.EqualTo(SecondPrefixHosts.Length * 32 * 32), "16 x 16 cells of 32 x 32 px");
                Assert.That(png.Length, Is.GreaterThan(10_000), "a screenshot of the whole page: " + saved);
            });
        }
        finally
        {
            profile.Delete(recursive: true);
        }

        TestContext.Progress.WriteLine($"  ({build}) the browser test took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Test]
    public async Task Without_CAP_NET_RAW_healthz_is_unhealthy_naming_it_and_the_server_stays_up()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var ct = timeout.Token;
        using var lab = NetnsLab.Create();
        using var server = StartServer(lab.Scanner, ["setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw"]);
        using var http = new LabHttp(lab.Scanner);
        using var client = http.Client();
        await WaitFor("the server's /healthz to turn unhealthy", async () => (await TryGet(client, "/healthz", ct))?.StartsWith("Unhealthy", StringComparison.Ordinal) == true, server, ct);

        using var health = await client.GetAsync(new Uri($"http://[::1]:{HttpPort}/healthz"), ct);
        var text = await health.Content.ReadAsStringAsync(ct);
        Assert.Multiple(async () =>
        {
            Assert.That((int)health.StatusCode, Is.EqualTo(503));
            Assert.That(text, Does.Contain("CAP_NET_RAW"), "the reason names the capability");
            Assert.That(await TryGet(client, "/", ct), Does.Contain("Widescan bootstrap"), "the page is still served");
            Assert.That(await TryGet(client, "/api/peers", ct), Is.EqualTo("""{"total":0,"rows":[],"next":null}"""), "a page of an empty book");
            Assert.That(server.HasExited, Is.False, server.Output);
        });

        using var page = await client.GetAsync(new Uri($"http://[::1]:{HttpPort}/"), ct);
        using var tooMany = await client.GetAsync(new Uri($"http://[::1]:{HttpPort}/api/peers?limit=1001"), ct);
        Assert.Multiple(async () =>
        {
            Assert.That(page.Headers.GetValues("Content-Security-Policy"), Is.EqualTo(new[] { "default-src 'self'; object-src 'none'; frame-ancestors 'none'" }));
            Assert.That(page.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
            Assert.That((int)tooMany.StatusCode, Is.EqualTo(400));
            Assert.That(await tooMany.Content.ReadAsStringAsync(ct), Does.Contain("give 1 to 1000"), "a page of /api/peers holds at most 1,000 rows");
        });
    }

    // What the page shows, read in the browser: the peer rows, the rendezvous claim in the header, the
    // map's own count of answered cells, and the canvas's pixels in the colours of answers (green,
    // gold, red, purple: not idle or probed grey).
    private const string PageState = """
        (() => {
          const rows = [...document.querySelectorAll('#peers tbody tr')];
          const scanner = rows.find(r => r.dataset.nodeId === '5ca4e500000000000000000000000002');
          const canvas = document.getElementById('map');
          if (!canvas || !document.getElementById('progress-text')) return null; // still loading
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let answerPixels = 0;
          for (let i = 0; i < pixels.length; i += 4) {
            const [r, g, b] = [pixels[i], pixels[i + 1], pixels[i + 2]];
            if (Math.max(r, g, b) - Math.min(r, g, b) > 40) answerPixels++;
          }
          const cell = (row, i) => row.children[i].textContent;
          return {
            scanner: !!scanner,
            scannerHow: scanner ? cell(scanner, 4) : null,
            scannerSightings: scanner ? +scanner.dataset.sightings : null,
            scannerLastAfterFirst: scanner ? cell(scanner, 7) > cell(scanner, 6) : null,
            scannerState: scanner ? scanner.dataset.state : null,
            listener: rows.some(r => r.dataset.nodeId === '00000000000000000000000000000b0b'),
            rendezvous: document.getElementById('rendezvous').dataset.addresses || '',
            grids: +canvas.dataset.grids,
            prefix: canvas.dataset.prefix,
            paintedCells: +canvas.dataset.paintedCells,
            answerPixels,
            status: document.getElementById('progress-text').textContent,
            swatches: new Set([...document.querySelectorAll('#legend .swatch')].map(s => getComputedStyle(s).backgroundColor)).size,
          };
        })()
        """;

    // Clicks the button of grid i (as an operator would), then reads the page as PageState does.
    private static string SelectGrid(int index) =>
        $"(() => {{ document.querySelector('#grids button[data-grid=\"{index}\"]').click(); return {PageState}; }})()";

    private LabProcess StartServer(string ns, string[]? prefix = null)
    {
        string[] settings =
        [
            $"--urls=http://[::1]:{HttpPort}",
            "--Widescan:Listen=true",
            $"--Widescan:NodeId={ServerNodeId}",
            "--Widescan:ServicePort=30303",
            "--Widescan:ScanInterval=00:10:00", // one scan, at start: the map stays that scan's
            "--Widescan:Rate=20000",
            "--Widescan:Cooldown=00:00:02",
            "--Widescan:Generator=cpu",
            "--Widescan:Log:StatsInterval=00:00:01",
            "--Widescan:Targets:Include:0=" + ScanPrefix,
            "--Widescan:Targets:Include:1=" + SecondPrefix,
            "--Widescan:Targets:AllowReserved=true",
            // Sightings and expiry within the test: the scanner's row moves each second and expires 5 s
            // after its last probe (appsettings.json: 30 s and 10 minutes).
            "--Widescan:PeerSeenInterval=00:00:01",
            "--Widescan:PeerExpiry=00:00:05",
            // appsettings.json claims the rendezvous address under network.key, beside the server: kept.
        ];
        string[] command = build == BootstrapBuild.Aot
            ? [.. prefix ?? [], Path.Combine(_published, "Widescan.Bootstrap"), .. settings]
            : [.. prefix ?? [], "dotnet", Path.Combine(_published, "Widescan.Bootstrap.dll"), $"--Bootstrap:Plugins={RepoArtifacts.PluginsDirectory}", .. settings];
        return LabProcess.Start(ns, _published, command[0], command[1..]);
    }

    private static void Ip(params string[] args)
    {
        var result = ProcessRunner.Run("ip", args, RepoArtifacts.Root, TimeSpan.FromSeconds(15));
        Assert.That(result.ExitCode, Is.Zero, $"ip {string.Join(' ', args)}: {result}");
    }

    // alive, peer, unreachable, aliased summed over a grid's answered cells (index, then one count per kind).
    private static long[] Kinds(JsonNode grid)
    {
        var answers = grid["answers"]!.AsArray().Select(n => (long)n!).ToArray();
        var sums = new long[4];
        for (var i = 0; i + 4 < answers.Length; i += 5)
        {
            for (var k = 0; k < 4; k++)
                sums[k] += answers[i + 1 + k];
        }

        return sums;
    }

    // The probes the plugin counted in a grid's cells.
    private static long Probes(JsonNode grid) => grid["cellProbes"]!.AsArray().Sum(n => (long)n!);

    // The address `widescan rendezvous` computes for slot 0 of the server's /64 under the network key.
    private string RendezvousAddress(string harness)
    {
        var result = ProcessRunner.Run("dotnet", [harness, "--plugins", RepoArtifacts.PluginsDirectory, "rendezvous", "--prefix", NetnsLab.LinkPrefix,
            "--network-key-file", _keyFile, "--slots", "1"], RepoArtifacts.Root, Limit);
        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        var line = result.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Single(l => l.Contains(" slot 0 key ", StringComparison.Ordinal));
        return line[..line.IndexOf(' ', StringComparison.Ordinal)];
    }

    private string SaveScreenshot(byte[] png)
    {
        var directory = Path.Combine(RepoArtifacts.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"bootstrap-{build.ToString().ToLowerInvariant()}.png");
        File.WriteAllBytes(path, png);
        TestContext.AddTestAttachment(path, $"the bootstrap page ({build}) in headless chromium");
        return path;
    }

    private static async Task<string?> TryGet(HttpClient client, string pathOrUrl, CancellationToken ct)
    {
        var uri = pathOrUrl.StartsWith("http", StringComparison.Ordinal) ? new Uri(pathOrUrl) : new Uri($"http://[::1]:{HttpPort}{pathOrUrl}");
        try
        {
            using var response = await client.GetAsync(uri, ct);
            return await response.Content.ReadAsStringAsync(ct);
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    private static async Task WaitFor(string what, Func<Task<bool>> condition, LabProcess process, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (process.HasExited)
                Assert.Fail($"the process ended while waiting for {what}:\n{process.Output}");
            if (clock.Elapsed > Limit)
                Assert.Fail($"no {what} after {Limit.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; the process's output:\n{process.Output}");
            await Task.Delay(100, ct); // a poll of the condition, not a wait for time to pass
        }
    }
}

/// <summary>The plugin-folder build's browser tests: first, while the AOT publish is still running (<see cref="BootstrapPublishing"/>).</summary>
[TestFixture]
[Order(1)]
public sealed class BootstrapPluginFolderBrowserTests() : BootstrapBrowserTests(BootstrapBuild.PluginFolder);

/// <summary>The Native AOT build's browser tests.</summary>
[TestFixture]
[Order(2)]
public sealed class BootstrapAotBrowserTests() : BootstrapBrowserTests(BootstrapBuild.Aot);

/// <summary>The two builds of samples/Widescan.Bootstrap.</summary>
public enum BootstrapBuild
{
    /// <summary>Native AOT, the plugin referenced directly.</summary>
    Aot,

    /// <summary>-p:WidescanPluginFolder=true: the plugin folder loaded at run time (JIT).</summary>
    PluginFolder,
}
