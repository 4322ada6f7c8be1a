using System.Diagnostics;
using System.Text;
using Widescan.Contracts;
using Widescan.Plugin.Targets;
using Widescan.Tests.Hosting;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// `widescan listen --rendezvous` as a process (the packaged harness) in a lab namespace, DAD on: a
/// listener killed with SIGKILL leaves its address only until its lifetime runs out; without
/// CAP_NET_ADMIN it says so in one line, claims nothing, and still answers at its ordinary address.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(90_000)]
public sealed class RendezvousCliLabTests
{
    private const int LifetimeSeconds = 8;
    private static readonly byte[] Key = "widescan rendezvous cli key 0001"u8.ToArray();

    [Test]
    public void A_killed_listener_leaves_its_address_only_until_its_lifetime_runs_out()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        NetnsLab.EnableDad(lab.Target, NetnsLab.TargetInterface);
        using var keyFile = new KeyFile();
        var address = RendezvousAddress(Ipv6Address.Parse(NetnsLab.TargetAddress));
        using var listener = Listener.Start(lab.Target, [], "--rendezvous", "--rendezvous-lifetime", $"{LifetimeSeconds}", "--network-key-file", keyFile.Path, "--interface", NetnsLab.TargetInterface, "-q");
        var claimed = Poll(TimeSpan.FromSeconds(20), () => Held(lab, address));
        Assert.That(claimed, Is.True, $"the listener claimed {Ipv6Address.Format(address)}\n{listener.Output}");

        listener.Kill();
        var killed = Stopwatch.StartNew();
        var leftBehind = Held(lab, address);
        var gone = Poll(TimeSpan.FromSeconds(LifetimeSeconds + 6), () => !Held(lab, address));
        TestContext.Out.WriteLine($"gone {killed.Elapsed.TotalSeconds:F1} s after SIGKILL (lifetime {LifetimeSeconds} s)");
        Assert.Multiple(() =>
        {
            Assert.That(leftBehind, Is.True, "a killed listener cannot remove its address: it stays until its lifetime runs out");
            Assert.That(gone, Is.True, "the kernel removed it once its valid lifetime ran out");
        });
    }

    [Test]
    public async Task Without_CAP_NET_ADMIN_one_line_says_so_and_the_listener_answers_at_its_ordinary_address(CancellationToken cancellationToken)
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces and drop a capability");
        NetnsLab.EnsureTool("setpriv", "util-linux");
        using var lab = NetnsLab.Create();
        NetnsLab.EnableDad(lab.Target, NetnsLab.TargetInterface);
        using var keyFile = new KeyFile();
        var node = NodeId.Parse("50505050505050505050505050505050");
        using var listener = Listener.Start(lab.Target, ["setpriv", "--bounding-set=-net_admin", "--inh-caps=-net_admin"],
            "--rendezvous", "--network-key-file", keyFile.Path, "--interface", NetnsLab.TargetInterface, "--node-id", node.ToString(), "--duration", "6");

        // The claim comes first and fails; the scan waits until the listener says it listens (its
        // socket is open), or its probe would reach a node that cannot answer yet.
        Assert.That(Poll(TimeSpan.FromSeconds(20), () => listener.Output.Contains("Listening with", StringComparison.Ordinal)), Is.True, listener.Output);

        var scan = ModuleInLab.ScanOptions(NetnsLab.TargetAddress + "/128", 1_000) with { NetworkKey = Key };
        var events = await ModuleInLab.RunAsync(lab.Scanner, scan, cancellationToken);
        var code = listener.WaitForExit(TimeSpan.FromSeconds(20));
        var lines = listener.Output.Split('\n').Where(l => l.Contains("Rendezvous:", StringComparison.Ordinal)).ToList();
        var addresses = NetnsLab.Addresses(lab.Target, NetnsLab.TargetInterface);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(0), listener.Output);
            Assert.That(lines, Has.Count.EqualTo(1), listener.Output);
            Assert.That(lines.FirstOrDefault(), Does.Contain("CAP_NET_ADMIN is missing").And.Contain("widescan rendezvous")
                .And.Contain("docs/deploy.md").And.Not.Contain("setcap"));
            Assert.That(RendezvousLabTests.AddressLine(addresses, RendezvousAddress(Ipv6Address.Parse(NetnsLab.TargetAddress))), Is.Null, "nothing claimed");
            Assert.That(events.OfType<PeerDiscovered>().Select(p => (Ipv6Address.Format(p.Address), p.NodeId)),
                Is.EqualTo(new[] { (NetnsLab.TargetAddress, node) }), "the listener still answers at its ordinary address");
        });
    }

    private static bool Held(NetnsLab lab, UInt128 address) =>
        RendezvousLabTests.AddressLine(NetnsLab.Addresses(lab.Target, NetnsLab.TargetInterface), address) is { } line && !line.Text.Contains("tentative", StringComparison.Ordinal);

    private static bool Poll(TimeSpan limit, Func<bool> condition)
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < limit)
        {
            if (condition())
                return true;
            Thread.Sleep(200);
        }

        return condition();
    }

    private static UInt128 RendezvousAddress(UInt128 inLink)
    {
        var (k0, k1) = RendezvousIid.Keys(RendezvousIid.Secret(Key));
        return RendezvousIid.Address(k0, k1, inLink, 0);
    }

    private sealed class KeyFile : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"widescan-rv-key-{Environment.ProcessId}-{Guid.NewGuid():N}");

        public KeyFile() => File.WriteAllText(Path, Convert.ToHexString(Key));

        public void Dispose() => File.Delete(Path);
    }

    /// <summary>The packaged harness's `listen` in a namespace, its output collected as it comes; killed when disposed.</summary>
    private sealed class Listener : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private Listener(Process process) => _process = process;

        public string Output
        {
            get
            {
                lock (_output)
                    return _output.ToString();
            }
        }

        public static Listener Start(string ns, string[] wrapper, params string[] arguments)
        {
            var start = new ProcessStartInfo(wrapper.Length > 0 ? wrapper[0] : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in (string[])[.. wrapper.Skip(1), .. (wrapper.Length > 0 ? new[] { "ip" } : []), "netns", "exec", ns, "dotnet",
                Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll"), "--plugins", RepoArtifacts.PluginsDirectory, "listen", .. arguments])
                start.ArgumentList.Add(argument);
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            var listener = new Listener(new Process { StartInfo = start });
            listener._process.OutputDataReceived += (_, e) => listener.Append(e.Data);
            listener._process.ErrorDataReceived += (_, e) => listener.Append(e.Data);
            listener._process.Start();
            listener._process.BeginOutputReadLine();
            listener._process.BeginErrorReadLine();
            return listener;
        }

        /// <summary>SIGKILL: nothing of the listener runs after it.</summary>
        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit();
        }

        public int WaitForExit(TimeSpan limit)
        {
            if (!_process.WaitForExit(limit))
                Kill();
            _process.WaitForExit();
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
                Kill();
            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null)
                return;
            lock (_output)
                _output.AppendLine(line);
        }
    }
}
