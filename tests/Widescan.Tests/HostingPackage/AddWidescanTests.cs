using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Widescan.Contracts;
using Widescan.Hosting;

namespace Widescan.Tests.HostingPackage;

/// <summary>AddWidescan's two overloads: options in code or bound from configuration, validated at start.</summary>
[CancelAfter(20_000)]
public sealed class AddWidescanTests
{
    [Test]
    public async Task The_Action_overload_scans_on_demand_through_the_registered_module(CancellationToken cancellationToken)
    {
        var module = new ScriptedModule(o => [
            new HostAlive(DateTimeOffset.UtcNow, o.Targets!.Include[0].Network + 1, TimeSpan.FromMilliseconds(2)),
            ScriptedModule.Peer(7),
            ScriptedModule.Finished(new DiscoverySummary { ProbesSent = 256, Alive = 1, Peers = 1 })]);
        var (host, _) = TestHosts.Build(s => s.AddWidescan(o => o.Discovery = new WidescanOptions { Rate = 2_000, ServicePort = 30303 }).UseModule(module));
        using (host)
        {
            await host.StartAsync(cancellationToken);
            var result = await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(TestHosts.Targets(), cancellationToken);
            await host.StopAsync(cancellationToken);

            var run = module.Runs.Single();
            Assert.Multiple(() =>
            {
                Assert.That(result.Summary.ProbesSent, Is.EqualTo(256UL));
                Assert.That(result.Hosts, Has.Count.EqualTo(1));
                Assert.That(result.Peers.Single().NodeId, Is.EqualTo(new NodeId(7)));
                Assert.That(run.Rate, Is.EqualTo(2_000), "the options set in code");
                Assert.That(run.Targets!.Include, Is.EqualTo(TestHosts.Targets().Include), "the scan's own targets");
                Assert.That(run.LogSink, Is.Not.Null, "the host's log sink is set for the run");
                Assert.That(run.MeterFactory, Is.Not.Null, "the host's IMeterFactory is handed on");
                Assert.That(run.Log.Console, Is.False, "the plugin's console is off: the host's logger shows its events");
            });
        }
    }

    [Test]
    public async Task A_scan_never_claims_the_rendezvous_addresses_the_listener_holds(CancellationToken cancellationToken)
    {
        var module = new ScriptedModule(_ => [ScriptedModule.Finished(new DiscoverySummary())]);
        var discovery = new WidescanOptions
        {
            NetworkKey = new byte[32],
            Rendezvous = new RendezvousOptions { Enabled = true, Slots = 3 },
        };
        var (host, _) = TestHosts.Build(s => s.AddWidescan(o => o.Discovery = discovery).UseModule(module));
        using (host)
        {
            await host.StartAsync(cancellationToken);
            await host.Services.GetRequiredService<IWidescanScanner>().ScanAsync(TestHosts.Targets(), cancellationToken);
            await host.StopAsync(cancellationToken);

            // Claimed by a scan too, the address would be removed when the scan ends, under the listener.
            var run = module.Runs.Single();
            Assert.That((run.Rendezvous.Enabled, run.Rendezvous.Slots), Is.EqualTo((false, 3)), "off for the scan, the rest as configured");
        }
    }

    [Test]
    public void A_section_binds_every_kind_of_value_by_option_name()
    {
        var section = Section(new()
        {
            ["Widescan:Listen"] = "true",
            ["Widescan:ScanInterval"] = "00:30:00",
            ["Widescan:PeerBufferCapacity"] = "64",
            ["Widescan:Rate"] = "5000",
            ["Widescan:ServicePort"] = "30303",
            ["Widescan:NodeId"] = "000102030405060708090a0b0c0d0e0f",
            ["Widescan:SourceAddress"] = "2001:db8:1::1",
            ["Widescan:Cooldown"] = "00:00:02",
            ["Widescan:NetworkKey"] = "00112233445566778899aabbccddeeff",
            ["Widescan:Targets:Include:0"] = "2001:db8:100::/48",
            ["Widescan:Targets:Include:1"] = "2001:db8:200::/48",
            ["Widescan:Targets:Exclude:0"] = "2001:db8:100:1::/64",
            ["Widescan:Targets:SubnetBits"] = "64",
            ["Widescan:Targets:Iid"] = "::1",
            ["Widescan:Targets:Seed"] = "0x5eed",
            ["Widescan:Targets:Shard"] = "1/4",
            ["Widescan:Targets:AllowReserved"] = "true",
            ["Widescan:Log:MinimumLevel"] = "Warning",
            ["Widescan:Rendezvous:Slots"] = "3",
        });
        var options = Options(s => s.AddWidescan(section));
        var d = options.Discovery;
        Assert.Multiple(() =>
        {
            Assert.That(options.BindingErrors, Is.Empty);
            Assert.That(options.Listen, Is.True);
            Assert.That(options.ScanInterval, Is.EqualTo(TimeSpan.FromMinutes(30)));
            Assert.That(options.PeerBufferCapacity, Is.EqualTo(64));
            Assert.That(d.Rate, Is.EqualTo(5_000));
            Assert.That(d.ServicePort, Is.EqualTo((ushort)30303));
            Assert.That(d.NodeId, Is.EqualTo(NodeId.Parse("000102030405060708090a0b0c0d0e0f")), "the node keeps its identity");
            Assert.That(d.SourceAddress, Is.EqualTo(Ipv6Host.Parse("2001:db8:1::1")));
            Assert.That(d.Cooldown, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(d.NetworkKey.ToArray(), Is.EqualTo(Convert.FromHexString("00112233445566778899aabbccddeeff")), "the key is kept: the node runs authenticated");
            Assert.That(d.Targets!.Include, Is.EqualTo(new[] { Ipv6Prefix.Parse("2001:db8:100::/48"), Ipv6Prefix.Parse("2001:db8:200::/48") }));
            Assert.That(d.Targets.Exclude, Is.EqualTo(new[] { Ipv6Prefix.Parse("2001:db8:100:1::/64") }));
            Assert.That(d.Targets.SubnetBits, Is.EqualTo(64));
            Assert.That(d.Targets.Iid, Is.EqualTo(IidPattern.Parse("::1")));
            Assert.That(d.Targets.Seed, Is.EqualTo(0x5eedUL));
            Assert.That(d.Targets.Shard, Is.EqualTo(new ShardSpec(1, 4)));
            Assert.That(d.Log.MinimumLevel, Is.EqualTo(WidescanLogLevel.Warning));
            Assert.That(d.Rendezvous.Slots, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task A_bad_section_fails_the_start_listing_every_problem_by_its_name(CancellationToken cancellationToken)
    {
        var section = Section(new()
        {
            ["Widescan:Rat"] = "5000",
            ["Widescan:Rate"] = "0",
            ["Widescan:ServicePort"] = "70000",
            ["Widescan:PeerBufferCapacity"] = "-1",
            ["Widescan:ScanInterval"] = "00:10:00",
            ["Widescan:Targets:Include:0"] = "2001:db8::1/32",
            ["Widescan:Log:MinimumLevel"] = "Loud",
        });
        var (host, _) = TestHosts.Build(s => s.AddWidescan(section).UseModule(new ScriptedModule(_ => [])));
        using (host)
        {
            var e = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(cancellationToken))!;
            var all = string.Join("\n", e.Failures);
            Assert.Multiple(() =>
            {
                Assert.That(all, Does.Contain("Widescan:Rat: no option is named Rat"), "an unknown key is never dropped silently");
                Assert.That(all, Does.Contain("rate 0 must be at least 1"));
                Assert.That(all, Does.Contain("Widescan:ServicePort: '70000'"));
                Assert.That(all, Does.Contain("PeerBufferCapacity"));
                Assert.That(all, Does.Contain("Widescan:Targets:Include:0:").And.Contain("host bits"));
                Assert.That(all, Does.Contain("Widescan:Log:MinimumLevel: 'Loud'"));
                Assert.That(e.Failures.Where(f => f.StartsWith("Widescan:", StringComparison.Ordinal)), Has.None.Contains("--"), "configuration paths, never CLI flags");
                Assert.That(e.Failures.Count(), Is.GreaterThanOrEqualTo(6), "every problem at once");
            });
        }
    }

    [Test]
    public async Task Without_a_module_the_start_fails_saying_to_call_UseModule(CancellationToken cancellationToken)
    {
        var (host, _) = TestHosts.Build(s => s.AddWidescan(_ => { }));
        using (host)
        {
            var e = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(cancellationToken))!;
            Assert.That(e.Failures, Has.Some.Contains("no IDiscoveryModule is registered").And.Contains("UseModule"));
        }
    }

    internal static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Widescan");

    /// <summary>The options as bound, before validation (which the start runs).</summary>
    internal static WidescanHostOptions Options(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        configure(services);
        using var provider = services.BuildServiceProvider();
        var options = new WidescanHostOptions();
        foreach (var setup in provider.GetServices<IConfigureOptions<WidescanHostOptions>>())
            setup.Configure(options);
        return options;
    }
}
