// A P2P host as issue 14 asks for: one package (Widescan.Hosting) and one AddWidescan line. Its
// configuration comes from the command line (--Widescan:Listen=true, ...); it loads the plugin's
// module with MEF from --Plugin, listens, runs one scan of --Scan, prints what it found (one line per
// result) and the health check's verdict, then stops. Without --Scan (or with --Scan= empty) it scans
// nothing: it waits up to 10 s for the health check to leave Healthy (a listener that cannot run says
// so at once), prints the verdict and stops, exiting 0 either way.
using System.Composition.Hosting;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Widescan.Contracts;
using Widescan.Hosting;

var builder = Host.CreateApplicationBuilder(args);
var plugin = builder.Configuration["Plugin"] ?? throw new ArgumentException("--Plugin=PATH/Widescan.Plugin.dll is required");
builder.Services.AddWidescan(builder.Configuration.GetSection("Widescan")).UseModule(_ => LoadModule(plugin));

using var host = builder.Build();
await host.StartAsync();
var peers = new List<PeerDiscovered>();
var reading = Task.Run(async () =>
{
    await foreach (var peer in host.Services.GetRequiredService<IWidescanPeers>().ReadAllAsync())
    {
        lock (peers)
            peers.Add(peer);
    }
});

var scan = builder.Configuration["Scan"] ?? "";
if (scan.Length > 0)
{
    var result = await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(new TargetSpec
    {
        Include = [.. scan.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Ipv6Prefix.Parse)],
        AllowReserved = true,
        Seed = 0x5eed,
    });
    foreach (var alive in result.Hosts)
        Console.WriteLine($"alive {Ipv6Address.Format(alive.Address)}");
    Console.WriteLine($"summary {result.Summary.Status} sent={result.Summary.ProbesSent}");
}
else
{
    // The listener's first run opens (or fails to open) its sockets on the pool: poll for its verdict.
    var checks = host.Services.GetRequiredService<HealthCheckService>();
    for (var waited = 0; waited < 100 && (await checks.CheckHealthAsync()).Status == HealthStatus.Healthy; waited++)
        await Task.Delay(100);
}

var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
Console.WriteLine($"health {health.Status}: {health.Entries["widescan"].Description}");
await host.StopAsync();
await reading;
foreach (var peer in peers)
    Console.WriteLine($"peer {Ipv6Address.Format(peer.Address)} {peer.NodeId} {peer.How}");

static IDiscoveryModule LoadModule(string path)
{
    // LoadFrom resolves the plugin's own dependencies (Serilog, SharpPcap) from its folder; the
    // contracts and System.Composition are this host's.
    var assembly = Assembly.LoadFrom(Path.GetFullPath(path));
    var container = new ContainerConfiguration().WithAssembly(assembly).CreateContainer();
    return container.GetExports<IDiscoveryModule>().Single(m => m.Name == "discovery");
}
