namespace Widescan.Hosting.Plugins;

/// <summary>
/// A plugin folder (or file) that could not serve, and the likely cause with its fix. The host reports
/// it and goes on with the other plugins.
/// </summary>
/// <param name="Folder">The plugin folder (absolute), or the plugins directory itself.</param>
/// <param name="File">The file at fault, by name ("Broken.dll", "Widescan.Contracts.dll").</param>
/// <param name="Cause">What is wrong, the likely cause and the fix, in one or two sentences.</param>
public sealed record PluginProblem(string Folder, string File, string Cause)
{
    /// <summary>The file's full path and the cause, as one log or report line.</summary>
    public override string ToString() => $"{Path.Combine(Folder, File)}: {Cause}";
}
