using System.CommandLine;
using Widescan.Host.Output;

namespace Widescan.Host.Commands;

/// <summary>What <c>scan</c> and <c>listen</c> do once their flags are checked: find the module, open the output, run it until it ends or a signal stops it.</summary>
internal static class DiscoveryCommand
{
    /// <summary>Runs the request; the exit code of <see cref="DiscoveryDriver.RunAsync"/>, or 1 when no module or output could be had.</summary>
    public static int Run(ParseResult parseResult, string command, DiscoveryRequest request)
    {
        var stderr = parseResult.InvocationConfiguration.Error;
        using var catalog = CommandPlugins.Load(parseResult);
        var module = ModuleChoice.Resolve(catalog, command, stderr);
        if (module is null)
            return ExitCodes.Failure;

        Stream destination;
        bool live;
        try
        {
            destination = ResultDestination.Open(request.Output, append: request.Resumed is not null, parseResult.InvocationConfiguration.Output, out live);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{command}: --output {request.Output?.FullName ?? "(stdout)"}: {e.Message}");
            return ExitCodes.Failure;
        }

        using (destination)
        {
            // A resumed scan's CSV continues the file's rows, under the header it already has.
            var header = !(destination.CanSeek && destination.Length > 0);
            using var results = new ResultWriter(destination, request.Format, live, csvHeader: header, destination: request.Output?.FullName ?? "stdout");
            using var signals = new ShutdownSignals();
            var progress = ProgressLine.ForTerminal(stderr);
            var session = new DiscoveryDriver(command, stderr, results, progress);

            // On a terminal the live status line replaces the plugin's periodic statistics line.
            var options = progress is null ? request.Options : request.Options with { Log = request.Options.Log with { StatsLine = false } };

            // The actions are synchronous (System.CommandLine's own termination handling is for async
            // actions and would cut the summary short); the module's loop runs on the thread pool.
            return session.RunAsync(module, options, signals.Token, () => signals.Interrupted).GetAwaiter().GetResult();
        }
    }
}
