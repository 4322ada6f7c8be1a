namespace Widescan.Host;

/// <summary>The harness's exit codes, the same for every command.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary><c>widescan plugins</c> found a plugin folder with a problem.</summary>
    public const int PluginProblems = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;
}
