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

        // Checked now, changed only once the module has started: see PendingOutput.
        PendingOutput output;
        try
        {
            output = PendingOutput.Prepare(request.Output, append: request.Resumed is not null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{command}: --output {request.Output?.FullName ?? "(stdout)"}: {e.Message}");
            return ExitCodes.Failure;
        }

        using (output)
        {
            ResultWriter? results = null;
            using var signals = new ShutdownSignals();
            var progress = ProgressLine.ForTerminal(stderr);
            var session = new DiscoveryDriver(command, stderr, () => results = Open(output, request, parseResult.InvocationConfiguration.Output), progress);

            // On a terminal the live status line replaces the plugin's periodic statistics line.
            var options = progress is null ? request.Options : request.Options with { Log = request.Options.Log with { StatsLine = false } };

            // The actions are synchronous (System.CommandLine's own termination handling is for async
            // actions and would cut the summary short); the module's loop runs on the thread pool.
            try
            {
                return session.RunAsync(module, options, signals.Token, () => signals.Interrupted).GetAwaiter().GetResult();
            }
            finally
            {
                results?.Dispose();
            }
        }
    }

    private static ResultWriter Open(PendingOutput output, DiscoveryRequest request, TextWriter commandOutput)
    {
        Stream destination;
        bool live;
        try
        {
            destination = output.Commit(commandOutput, out live);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"--output {request.Output?.FullName ?? "(stdout)"}: {e.Message}", e);
        }

        // A resumed scan's CSV continues the file's rows, under the header it already has.
        var header = !(destination.CanSeek && destination.Length > 0);
        return new ResultWriter(destination, request.Format, live, csvHeader: header, destination: request.Output?.FullName ?? "stdout");
    }
}
