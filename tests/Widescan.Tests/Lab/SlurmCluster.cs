using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Widescan.Tests.Hosting;

namespace Widescan.Tests.Lab;

/// <summary>
/// A single-node Slurm of Debian's slurm-wlm for one test fixture: its own munged (key, socket and
/// logs in <see cref="Directory"/>), a slurmctld and a slurmd on free loopback ports, and a
/// slurm.conf for a machine without cgroup delegation (proctrack/linuxproc, task/none). Every daemon
/// is a child of the test process, run in the foreground, and killed in <see cref="Dispose"/>; the
/// machine's own Slurm or munge, if any, is never touched. build.sh setup installs the packages.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SlurmCluster : IDisposable
{
    /// <summary>The node's name in slurm.conf (the daemons run on this machine).</summary>
    public const string NodeName = "wsci";

    private readonly List<Process> daemons = [];

    private SlurmCluster(string directory) => Directory = directory;

    /// <summary>The cluster's files: slurm.conf, munge/, state/, spool/, log/.</summary>
    public string Directory { get; }

    /// <summary>The cluster's slurm.conf, which every client command is pointed at (SLURM_CONF).</summary>
    public string Config => Path.Combine(Directory, "slurm.conf");

    /// <summary>Starts munged, slurmctld and slurmd, and waits until the node is idle.</summary>
    public static SlurmCluster Start(int cpus)
    {
        foreach (var (tool, package) in new[] { ("munged", "munge"), ("slurmctld", "slurmctld"), ("slurmd", "slurmd"), ("sbatch", "slurm-client") })
            NetnsLab.EnsureTool(tool, package);
        var cluster = new SlurmCluster(System.IO.Directory.CreateTempSubdirectory("widescan-slurm-").FullName);
        try
        {
            cluster.Launch(cpus);
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <c>sbatch --wait</c> on a script and returns when every task has ended; the environment is
    /// the submitter's (Slurm exports it to the tasks), with <paramref name="environment"/> added.
    /// </summary>
    public ProcessRunner.Result Submit(string script, IEnumerable<string> options, IReadOnlyDictionary<string, string> environment, TimeSpan limit) =>
        ProcessRunner.Run("sbatch", ["--wait", .. options, script], Directory, limit, Environment(environment));

    /// <summary>Runs a client command (squeue, scontrol, sinfo) against this cluster.</summary>
    public ProcessRunner.Result Client(string command, params string[] arguments) =>
        ProcessRunner.Run(command, arguments, Directory, TimeSpan.FromSeconds(20), Environment(new Dictionary<string, string>()));

    /// <summary>The daemons' logs, for a failing test's message.</summary>
    public string Logs() => string.Join("\n", new[] { "slurmctld.log", "slurmd.log" }
        .Select(f => Path.Combine(Directory, "log", f)).Where(File.Exists)
        .Select(f => $"--- {f}:\n{string.Join("\n", File.ReadLines(f).TakeLast(30))}"));

    private Dictionary<string, string> Environment(IReadOnlyDictionary<string, string> extra)
    {
        var all = new Dictionary<string, string>(extra) { ["SLURM_CONF"] = Config };
        return all;
    }

    private void Launch(int cpus)
    {
        var munge = Path.Combine(Directory, "munge");
        foreach (var sub in new[] { "munge", "state", "spool", "log" })
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, sub));
        File.SetUnixFileMode(munge, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var key = Path.Combine(munge, "munge.key");
        File.WriteAllBytes(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024));
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var socket = Path.Combine(munge, "munge.socket");
        Daemon("munged", "-F", "-f", "-S", socket, $"--key-file={key}", $"--log-file={Path.Combine(Directory, "log", "munged.log")}",
            $"--pid-file={Path.Combine(munge, "munged.pid")}", $"--seed-file={Path.Combine(munge, "munged.seed")}");
        WaitFor(() => File.Exists(socket), TimeSpan.FromSeconds(10), "munged made no socket");

        // slurmctld accepts only the host it runs on as its controller: this machine's short name.
        var host = System.Net.Dns.GetHostName().Split('.')[0];
        var (controllerPort, nodePort) = (FreePort(), FreePort());
        File.WriteAllText(Config, $"""
            ClusterName=widescan-ci
            SlurmctldHost={host}(127.0.0.1)
            SlurmctldPort={controllerPort}
            SlurmdPort={nodePort}
            AuthType=auth/munge
            CredType=cred/munge
            AuthInfo=socket={socket}
            SlurmUser=root
            SlurmdUser=root
            StateSaveLocation={Path.Combine(Directory, "state")}
            SlurmdSpoolDir={Path.Combine(Directory, "spool")}
            SlurmctldPidFile={Path.Combine(Directory, "slurmctld.pid")}
            SlurmdPidFile={Path.Combine(Directory, "slurmd.pid")}
            SlurmctldLogFile={Path.Combine(Directory, "log", "slurmctld.log")}
            SlurmdLogFile={Path.Combine(Directory, "log", "slurmd.log")}
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            SchedulerType=sched/builtin
            SelectType=select/cons_tres
            SelectTypeParameters=CR_CPU
            MpiDefault=none
            MailProg=/bin/true
            ReturnToService=2
            InactiveLimit=0
            KillWait=5
            NodeName={NodeName} NodeHostname=localhost NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
            PartitionName=ci Nodes={NodeName} Default=YES MaxTime=UNLIMITED State=UP

            """);
        Daemon("slurmctld", "-D", "-i", "-f", Config);
        Daemon("slurmd", "-D", "-N", NodeName, "-f", Config);
        WaitFor(() => Client("sinfo", "-h", "-o", "%T").Output.Trim().StartsWith("idle", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            "the node did not come up idle");
    }

    private void Daemon(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["SLURM_CONF"] = Config;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        daemons.Add(process);
    }

    private void WaitFor(Func<bool> condition, TimeSpan limit, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            var dead = daemons.FirstOrDefault(d => d.HasExited);
            if (dead is not null || watch.Elapsed > limit)
                throw new InvalidOperationException($"Slurm test cluster: {what}{(dead is null ? "" : $" ({dead.StartInfo.FileName} exited {dead.ExitCode})")}\n{Logs()}");
            Thread.Sleep(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the daemons (slurmd first, so no task outlives its controller) and removes the files.</summary>
    public void Dispose()
    {
        foreach (var daemon in Enumerable.Reverse(daemons))
        {
            try
            {
                if (!daemon.HasExited)
                {
                    daemon.Kill(entireProcessTree: true);
                    daemon.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            daemon.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
