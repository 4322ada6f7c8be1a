using System.CommandLine;

namespace Widescan.Host.Commands;

/// <summary>
/// A command that can check its flags without running: with a parse error elsewhere on the command
/// line (a flag System.CommandLine could not convert), the harness still lists this command's own
/// problems in the same run.
/// </summary>
internal interface ICollectsErrors
{
    /// <summary>Adds every problem of the command line's flags to <paramref name="errors"/>; runs nothing.</summary>
    void CollectErrors(ParseResult parseResult, List<string> errors);
}
