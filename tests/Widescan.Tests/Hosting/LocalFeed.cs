namespace Widescan.Tests.Hosting;

/// <summary>
/// A NuGet.config that restores from artifacts/ into a packages folder of its own, so a test's
/// restore neither reads nor fills the machine's package cache.
/// </summary>
internal static class LocalFeed
{
    /// <summary>Writes <c>NuGet.config</c> into <paramref name="directory"/> and returns its path.</summary>
    /// <param name="directory">The folder; its <c>packages/</c> becomes the global packages folder.</param>
    /// <param name="withNuGetOrg">Whether third-party dependencies may come from nuget.org (false: artifacts/ alone).</param>
    public static string WriteConfig(string directory, bool withNuGetOrg)
    {
        var path = Path.Combine(directory, "NuGet.config");
        var nugetOrg = withNuGetOrg ? """

                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
            """ : "";
        File.WriteAllText(path, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(directory, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="widescan-artifacts" value="{RepoArtifacts.Directory}" />{nugetOrg}
              </packageSources>
            </configuration>
            """);
        return path;
    }
}
