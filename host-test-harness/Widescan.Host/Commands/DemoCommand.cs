using System.CommandLine;
using System.Runtime.InteropServices;
using Widescan.Host.Lab;

namespace Widescan.Host.Commands;

/// <summary>
/// <c>widescan demo</c>: builds a lab of network namespaces, scans it with Widescan peers listening
/// inside, reports what was found against what is there, and tears the lab down (Ctrl+C and SIGTERM
/// included). Needs root.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var hosts = new Option<int>("--hosts") { Description = $"Plain hosts in the scanned prefix (0-{DemoLab.MaxHosts})", HelpName = "K", DefaultValueFactory = _ => 5 };
        var peers = new Option<int>("--peers") { Description = $"Widescan peers, each listening in its own namespace (0-{DemoLab.MaxPeers})", HelpName = "P", DefaultValueFactory = _ => 3 };
        var rate = new Option<int>("--rate") { Description = "The scan's probes per second", HelpName = "PPS", DefaultValueFactory = _ => 20_000 };
        var keep = new Option<bool>("--keep") { Description = "Leave the lab up for inspection and print how to delete it" };
        var command = new Command("demo",
            $"Build a lab of network namespaces ({DemoLab.ScanPrefix} with plain hosts and Widescan peers), scan it, report what was found, tear it down. Needs root. Exits 0 when the scan found exactly the lab.");
        command.Options.Add(hosts);
        command.Options.Add(peers);
        command.Options.Add(rate);
        command.Options.Add(keep);
        command.SetAction(parseResult => Run(parseResult, new DemoOptions(
            parseResult.GetValue(hosts), parseResult.GetValue(peers), parseResult.GetValue(rate), parseResult.GetValue(keep),
            parseResult.GetValue(WidescanCli.PluginsOption)!.FullName)));
        return command;
    }

    private static int Run(ParseResult parseResult, DemoOptions options)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        var usage = Check(options);
        if (usage is not null)
        {
            error.WriteLine($"widescan demo: {usage}");
            return ExitCodes.Usage;
        }

        // The children run this very harness, so its own command tree says whether they can serve.
        var missing = new[] { "scan", "listen" }.Where(name => !WidescanCli.Create().Subcommands.Any(c => c.Name == name)).ToList();
        if (missing.Count > 0)
        {
            error.WriteLine($"widescan demo: this harness has no {string.Join(" or ", missing)} command, which the demo runs inside the lab");
            return ExitCodes.Failure;
        }

        if (!Environment.IsPrivilegedProcess)
        {
            error.WriteLine("widescan demo: needs root (network namespaces and raw sockets): run sudo ./widescan demo");
            return ExitCodes.NoPermission;
        }

        // Ctrl+C and SIGTERM cancel instead of ending the process, so the children are stopped and the
        // namespaces deleted before it exits.
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancelKey = (_, e) =>
        {
            e.Cancel = true;
            Cancel(cancel);
        };
        Console.CancelKeyPress += onCancelKey;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            Cancel(cancel);
        });
        try
        {
            return new DemoRunner(options, output, error).Run(cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancelKey;
        }
    }

    private static void Cancel(CancellationTokenSource cancel)
    {
        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A signal after the demo ended: nothing left to stop.
        }
    }

    private static string? Check(DemoOptions options)
    {
        if (options.Hosts is < 0 or > DemoLab.MaxHosts)
            return $"--hosts must be 0-{DemoLab.MaxHosts}, not {options.Hosts}";
        if (options.Peers is < 0 or > DemoLab.MaxPeers)
            return $"--peers must be 0-{DemoLab.MaxPeers}, not {options.Peers}";
        if (options.Rate is < 1 or > 10_000_000)
            return $"--rate must be 1-10000000, not {options.Rate}";
        if (options.Hosts + options.Peers == 0)
            return "the lab needs at least one host or peer";
        return null;
    }
}
