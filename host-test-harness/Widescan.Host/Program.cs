using System.Globalization;
using Serilog;
using Serilog.Events;
using Serilog.Sinks.SystemConsole.Themes;

namespace Widescan.Host;

internal static class Program
{
    private static int Main(string[] args)
    {
        // Logs are plain text on stderr, so stdout carries only a command's results.
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.ControlledBy(HostLog.Level)
            .WriteTo.Console(
                outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}",
                formatProvider: CultureInfo.InvariantCulture,
                standardErrorFromLevel: LogEventLevel.Verbose,
                theme: ConsoleTheme.None)
            .CreateLogger();
        try
        {
            return WidescanCli.Run(args);
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }
}
