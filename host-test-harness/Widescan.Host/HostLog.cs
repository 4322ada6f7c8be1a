using Serilog.Core;
using Serilog.Events;

namespace Widescan.Host;

/// <summary>
/// The level of the harness's own log lines. Program creates the logger before any command line is
/// parsed, so a flag such as <c>--quiet</c> raises the level through this switch afterwards.
/// </summary>
internal static class HostLog
{
    public static LoggingLevelSwitch Level { get; } = new(LogEventLevel.Information);
}
