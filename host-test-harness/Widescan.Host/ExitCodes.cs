namespace Widescan.Host;

/// <summary>The harness's exit codes, the same for every command.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary><c>widescan plugins</c> found a plugin folder with a problem.</summary>
    public const int PluginProblems = 1;

    /// <summary>A command could not do its work (no such generator, a device that cannot serve, I/O).</summary>
    public const int Failure = 1;

    /// <summary>Finished, but results were lost on the way (the summary and stderr say how many, where, and the fix).</summary>
    public const int Losses = 3;

    /// <summary><c>widescan merge</c> wrote the merge, but shards are missing or incomplete (stderr and its closing record name them).</summary>
    public const int ShardsIncomplete = 4;

    /// <summary>The command line is wrong (for <c>widescan merge</c> also: unreadable input, files of different plans).</summary>
    public const int Usage = 2;

    /// <summary>Missing privilege (CAP_NET_RAW), as sysexits' EX_NOPERM.</summary>
    public const int NoPermission = 77;

    /// <summary>Stopped by Ctrl+C or SIGTERM, as a shell reports a process killed by SIGINT (128 + 2).</summary>
    public const int Interrupted = 130;
}
