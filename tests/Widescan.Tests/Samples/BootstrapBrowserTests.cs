using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Samples;

/// <summary>
/// Issue 15's browser test: samples/Widescan.Bootstrap, published (Native AOT, or the plugin-folder
/// build), runs in the lab's scanner namespace with its listener on and a scheduled scan of a /112
/// that the target namespace answers in part (sparse live hosts, a Widescan node listening at one of
/// them, an unreachable /116); the harness scans the server from the target namespace. Debian's
/// chromium, headless inside the server's namespace, loads the page; through the DevTools protocol
/// the test sees the scanner's node id in the peer table and answered cells on the map's canvas, and
/// saves a screenshot (a test attachment, and artifacts/screenshots/).
/// </summary>
[TestFixture(BootstrapBuild.Aot)]
[TestFixture(BootstrapBuild.PluginFolder)]
[NonParallelizable]
public sealed class BootstrapBrowserTests(BootstrapBuild build)
{
    private const string ScanPrefix = "2001:db8:100::/112";
    private const string UnreachablePrefix = "2001:db8:100::f000/116";
    private const string ListeningNode = "2001:db8:100::7777";
    private const string ServerNodeId = "b0075a3e000000000000000000000001";
    private const string ScannerNodeId = "5ca4e500000000000000000000000002";
    private const string ListenerNodeId = "00000000000000000000000000000b0b";
    private const int HttpPort = 18080;
    private const int DevToolsPort = 19222;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    // 24 live hosts in distinct /126 cells (none the node's), all below the unreachable /116 (the last of the /112).
    private static readonly string[] LiveHosts =
        [.. Enumerable.Range(0, 24).Select(i => $"2001:db8:100::{i * 0xa3b + 0x11:x}")];

    private string _published = "";

    [OneTimeSetUp]
    public void PublishTheSample()
    {
        if (!NetnsLab.IsRoot)
            return;
        NetnsLab.EnsureTool("chromium", "chromium");
        _published = Directory.CreateTempSubdirectory($"widescan-bootstrap-{build}-").FullName;
        var project = Path.Combine(RepoArtifacts.Root, "samples", "Widescan.Bootstrap", "Widescan.Bootstrap.csproj");
        string[] variant = build == BootstrapBuild.PluginFolder ? ["-p:WidescanPluginFolder=true"] : [];
        var clock = Stopwatch.StartNew();
        var result = ProcessRunner.Run("dotnet", ["publish", project, "-c", "Release", "-o", _published, "--nologo", .. variant], RepoArtifacts.Root, TimeSpan.FromMinutes(8));
        TestContext.Progress.WriteLine($"published the bootstrap sample ({build}) in {clock.Elapsed.TotalSeconds:F0} s");
        Assert.That(result.ExitCode, Is.Zero, $"dotnet publish of the bootstrap sample ({build}) failed: {result}");
        if (build == BootstrapBuild.Aot)
            Assert.That(File.Exists(Path.Combine(_published, "Widescan.Bootstrap.dll")), Is.False, "an AOT publish leaves a native executable, no IL assembly");
    }

    [OneTimeTearDown]
    public void DeleteThePublishedSample()
    {
        if (_published.Length > 0)
            Directory.Delete(_published, recursive: true);
    }

    [Test]
    public async Task The_page_shows_the_scanner_as_a_peer_and_the_map_of_the_scan_in_a_real_browser()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        using var lab = NetnsLab.Create();
        lab.AnswerSparse(ScanPrefix, LiveHosts);
        lab.RejectRoute("unreachable", UnreachablePrefix);
        lab.LiftIcmpErrorLimits();
        var harness = Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll");

        // A Widescan node in a namespace of its own (every address of the target's is the target's),
        // holding one address of the scanned /112 that the target routes to it.
        var node = lab.AddBridgedMember(1);
        Ip("-n", node, "-6", "addr", "add", ListeningNode + "/128", "dev", "lo", "nodad");
        Ip("-n", lab.Target, "-6", "route", "add", ListeningNode + "/128", "via", "2001:db8:2::1", "dev", NetnsLab.BridgeInterface);
        using var listener = LabProcess.Start(node, RepoArtifacts.Root, "dotnet", harness, "--plugins", RepoArtifacts.PluginsDirectory,
            "listen", "--duration", "90", "--port", "30304", "--node-id", ListenerNodeId);
        await WaitFor("the node's listener", () => Task.FromResult(listener.Output.Contains("Listening with", StringComparison.Ordinal)), listener, ct);

        using var server = StartServer(lab.Scanner);
        using var http = new LabHttp(lab.Scanner);
        using var client = http.Client();
        await WaitFor("the server's /healthz", async () => (await TryGet(client, "/healthz", ct))?.StartsWith("Healthy", StringComparison.Ordinal) == true, server, ct);

        // The server's first scan (at start) to its end: a map with answers of every kind. Only then
        // does the harness scan from the target namespace, whose listener would answer for its addresses.
        JsonNode? map = null;
        await WaitFor("the server's scheduled scan to finish on /api/map", async () =>
        {
            map = JsonNode.Parse(await TryGet(client, "/api/map", ct) is { Length: > 0 } m ? m : "null");
            return map is not null && (string?)map["status"] == "Complete";
        }, server, ct);

        // The harness scans the server from the other namespace: the server's listener hears a scanner.
        var scan = ProcessRunner.Run("ip",
            ["netns", "exec", lab.Target, "dotnet", harness, "--plugins", RepoArtifacts.PluginsDirectory, "scan", "--prefix", NetnsLab.ScannerAddress + "/128",
                "--allow-reserved", "--rate", "100", "--cooldown", "2", "--node-id", ScannerNodeId, "--format", "jsonl", "-q"],
            RepoArtifacts.Root, Limit);
        Assert.That(scan.ExitCode, Is.Zero, scan.ToString);
        Assert.That(scan.Output, Does.Contain(ServerNodeId), "the harness's scan finds the server as a peer: " + scan);
        await WaitFor("the scanner in /api/peers", async () => (await TryGet(client, "/api/peers", ct))?.Contains(ScannerNodeId, StringComparison.Ordinal) == true, server, ct);

        var kinds = Kinds(map!);
        Assert.Multiple(() =>
        {
            Assert.That(kinds[0], Is.EqualTo(LiveHosts.Length), "alive: every live host");
            Assert.That(kinds[1], Is.EqualTo(1), "one peer: the listening node");
            Assert.That(kinds[2], Is.EqualTo(4096), "every address of the unreachable /116, each one ICMPv6 error");
            Assert.That((string?)map!["prefix"], Is.EqualTo(ScanPrefix));
            Assert.That((int)map["cellLength"]!, Is.EqualTo(126), "a /112 is 128 x 128 cells of /126");
            Assert.That((ulong)map["cursor"]!, Is.EqualTo(65536UL));
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
            await WaitFor("the page to show the scanner and the map", async () =>
            {
                page = await tools.EvaluateAsync(PageState, ct);
                return (bool?)page?["scanner"] == true && (int?)page?["paintedCells"] > 0 && ((string?)page?["status"])?.StartsWith("Complete", StringComparison.Ordinal) == true;
            }, chromium, ct);

            var png = await tools.ScreenshotAsync(ct);
            var saved = SaveScreenshot(png);
            Assert.Multiple(() =>
            {
                Assert.That((bool?)page!["scanner"], Is.True, "the peer table holds the scanner's node id");
                Assert.That((string?)page["scannerHow"], Is.EqualTo("probed-us"));
                Assert.That((bool?)page["listener"], Is.True, "and the node the scan found");
                // 24 alive hosts and the node fall in distinct /126 cells; the /116 is 1,024 cells.
                Assert.That((int?)page["paintedCells"], Is.EqualTo(LiveHosts.Length + 1 + 1024), "cells with answers, as the page counted them");
                Assert.That((int?)page["answerPixels"], Is.GreaterThan(1024 * 16), "pixels of the canvas in the answer colours (each cell is 4 x 4 px)");
                Assert.That(png.Length, Is.GreaterThan(10_000), "a screenshot of the whole page: " + saved);
            });
        }
        finally
        {
            profile.Delete(recursive: true);
        }
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
            Assert.That(await TryGet(client, "/api/peers", ct), Is.EqualTo("[]"));
            Assert.That(server.HasExited, Is.False, server.Output);
        });
    }

    // What the page shows, read in the browser: the peer rows, the map's own count of answered cells,
    // and the canvas's pixels in the colours of answers (green, gold, red, purple: not idle or probed grey).
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
          return {
            scanner: !!scanner,
            scannerHow: scanner ? scanner.children[4].textContent : null,
            listener: rows.some(r => r.dataset.nodeId === '00000000000000000000000000000b0b'),
            paintedCells: +canvas.dataset.paintedCells,
            answerPixels,
            status: document.getElementById('progress-text').textContent,
          };
        })()
        """;

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
            "--Widescan:Targets:AllowReserved=true",
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

    // alive, peer, unreachable, aliased summed over the map's cells (index, then one count per kind).
    private static long[] Kinds(JsonNode map)
    {
        var cells = map["cells"]!.AsArray().Select(n => (long)n!).ToArray();
        var sums = new long[4];
        for (var i = 0; i + 4 < cells.Length + 1; i += 5)
        {
            for (var k = 0; k < 4; k++)
                sums[k] += cells[i + 1 + k];
        }

        return sums;
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
            await Task.Delay(250, ct);
        }
    }
}

/// <summary>The two builds of samples/Widescan.Bootstrap.</summary>
public enum BootstrapBuild
{
    /// <summary>Native AOT, the plugin referenced directly.</summary>
    Aot,

    /// <summary>-p:WidescanPluginFolder=true: the plugin folder loaded at run time (JIT).</summary>
    PluginFolder,
}
