using System.Diagnostics;
using Widescan.Tests.Hosting;

namespace Widescan.Tests.Lab;

/// <summary>
/// The packaged <c>widescan</c> harness as a long-running process inside a lab namespace (a peer's
/// <c>widescan listen</c>): started with its output drained, so a chatty run never blocks on a full
/// pipe, and stopped with its whole process tree.
/// </summary>
internal static class HarnessProcess
{
    /// <summary>The packaged harness.</summary>
    public static string HostDll => Path.Combine(RepoArtifacts.Directory, "host", "widescan.dll");

    /// <summary>Starts <c>widescan --plugins (packaged) ARGS</c> in namespace <paramref name="ns"/>.</summary>
    public static Process Start(string ns, params string[] args)
    {
        var start = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["netns", "exec", ns, "dotnet", HostDll, "--plugins", RepoArtifacts.PluginsDirectory, .. args])
            start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Kills the process and its children if still running, and waits a moment for them.</summary>
    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }
}
