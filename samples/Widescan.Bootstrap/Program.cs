// A bootstrap server for a P2P network: Widescan listens (and claims its rendezvous address when
// Widescan:Rendezvous:Enabled is set), scans Widescan:Targets every Widescan:ScanInterval, and serves
// a live page of the peers and a map of the scan (/), its events (/events), /api/peers, /api/map,
// /api/rendezvous, /metrics and /healthz. docs/bootstrap-sample.md describes it.
using System.Text;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using Widescan.Bootstrap;
using Widescan.Bootstrap.Live;
using Widescan.Bootstrap.Map;
using Widescan.Bootstrap.Peers;
using Widescan.Bootstrap.Rendezvous;
#if !WIDESCAN_PLUGIN_FOLDER
using Widescan.Plugin;
#endif

var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BootstrapJson.Default));
// The sample's own bounds (Bootstrap:MaxPeers, Bootstrap:MaxEventClients), checked before anything starts.
var limits = BootstrapLimits.From(builder.Configuration.GetSection("Bootstrap"));
builder.Services.AddSingleton(limits);
builder.Services.AddMetrics();
builder.Services.AddSingleton<BootstrapMetrics>();
builder.Services.AddSingleton(s => new PeerBook(limits, s.GetRequiredService<BootstrapMetrics>(), s.GetRequiredService<ILogger<PeerBook>>()));
builder.Services.AddSingleton<MapBoard>();
builder.Services.AddSingleton(s => new LiveFeed(s.GetRequiredService<PeerBook>(), s.GetRequiredService<MapBoard>(), s.GetRequiredService<RendezvousClaims>(), limits, s.GetRequiredService<BootstrapMetrics>()));
// The claimed rendezvous addresses, read from the listener's log (the plugin reports them nowhere else).
var rendezvous = new RendezvousClaims();
builder.Services.AddSingleton(rendezvous);
builder.Logging.AddProvider(rendezvous);
builder.Services.AddHostedService<MapPublisher>();
builder.Services.AddHostedService<PeerPublisher>();

var widescan = builder.Services.AddWidescan(builder.Configuration.GetSection("Widescan"));
#if WIDESCAN_PLUGIN_FOLDER
// The plugin folder (or zip), loaded at run time: Bootstrap:Plugins, else plugins/ beside the server.
widescan.UsePluginFolder(Path.GetFullPath(builder.Configuration["Bootstrap:Plugins"] ?? Path.Combine(AppContext.BaseDirectory, "plugins")));
#else
// The plugin referenced directly: no loader, no MEF, so Native AOT can compile it.
widescan.UseModule(WidescanPlugin.CreateModule());
#endif
// Every event of every run, with the run's name: the peer book and the map.
widescan.AddEventHandler<PageEvents>();
// The map's cells (Widescan:ProgressCells per include prefix), lowered when the includes would make
// more than the plugin allows in all, so that adding prefixes never stops the scans.
widescan.Configure(o => o.Discovery = o.Discovery with { ProgressCells = MapCells.Fit(o.Discovery) });

builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddWidescanInstrumentation()
    .AddMeter(BootstrapMetrics.MeterName)
    .AddPrometheusExporter());

var app = builder.Build();
// Hardening: no script, style, frame or plugin from anywhere but this server (the page has nothing
// inline), never framed, and no content sniffing.
app.Use((context, next) =>
{
    var headers = context.Response.Headers;
    headers.ContentSecurityPolicy = "default-src 'self'; object-src 'none'; frame-ancestors 'none'";
    headers.XContentTypeOptions = "nosniff";
    return next(context);
});
app.UseDefaultFiles();
app.UseStaticFiles();

app.MapGet("/events", (LiveFeed feed, BootstrapLimits limits, HttpContext context) =>
{
    if (feed.TryOpen() is not { } page)
    {
        context.Response.Headers.RetryAfter = "30";
        return Results.Text($"{limits.MaxEventClients} pages are open (Bootstrap:MaxEventClients): close one, or try again later\n", "text/plain; charset=utf-8", statusCode: 503);
    }

    context.Response.RegisterForDispose(page); // closed however the response ends
    return TypedResults.ServerSentEvents(feed.StreamAsync(page, context.RequestAborted));
});
// A page of the book in the order the rows entered it: ?after= (the last page's next) and ?limit=.
app.MapGet("/api/peers", (PeerBook peers, long? after, int? limit) => limit is < 1 or > PeerPages.MostRows
    ? Results.Text($"limit is {limit}: give 1 to {PeerPages.MostRows} (default {PeerPages.DefaultRows})\n", "text/plain; charset=utf-8", statusCode: 400)
    : Results.Json(peers.Page(after, limit ?? PeerPages.DefaultRows), BootstrapJson.Default.PeerPage));
app.MapGet("/api/map", (MapBoard board) => board.Current is { } map ? Results.Json(map.Snapshot(), BootstrapJson.Default.MapSnapshot) : Results.NoContent());
app.MapGet("/api/rendezvous", (RendezvousClaims claims) => claims.State());
app.MapPrometheusScrapingEndpoint("/metrics");

// Unhealthy (503) without CAP_NET_RAW or with a failed listener, with the reason; the server stays up.
app.MapHealthChecks("/healthz", new HealthCheckOptions
{
    ResponseWriter = (context, report) =>
    {
        var text = new StringBuilder(report.Status.ToString()).Append('\n');
        foreach (var (name, entry) in report.Entries)
            text.Append(name).Append(": ").Append(entry.Status).Append(": ").Append(entry.Description).Append('\n');
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text.ToString());
    },
});

app.Run();
