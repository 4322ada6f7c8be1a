namespace Widescan.Host.Lab;

/// <summary>How to start this very harness again as a child (a listener or the scan inside a namespace).</summary>
internal static class HarnessCommandLine
{
    /// <summary>
    /// The executable and the arguments that come before the command: the apphost alone, or, when this
    /// process is the <c>dotnet</c> muxer (<c>dotnet widescan.dll</c>, or a test host), the muxer and the
    /// harness assembly.
    /// </summary>
    public static (string File, string[] Prefix) Current()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this process's executable");
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
            return (process, [typeof(HarnessCommandLine).Assembly.Location]);
        return (process, []);
    }
}
