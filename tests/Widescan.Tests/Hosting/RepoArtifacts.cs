using System.Reflection;

namespace Widescan.Tests.Hosting;

/// <summary>
/// The repository root and its artifacts/ folder, built by packaging/pack.sh when missing (once per
/// test run; ./build.sh test builds it before the tests).
/// </summary>
internal static class RepoArtifacts
{
    private static readonly Lazy<string> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Root => RepositoryRoot.Path;

    /// <summary>The artifacts folder, built if it is not there yet.</summary>
    public static string Directory => Built.Value;

    /// <summary>artifacts/plugins: the packaged plugins directory.</summary>
    public static string PluginsDirectory => Path.Combine(Directory, "plugins");

    /// <summary>The contracts' package version, as the build stamps it on the assembly.</summary>
    public static string ContractsVersion
    {
        get
        {
            var informational = typeof(Widescan.Contracts.Ipv6Prefix).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus < 0 ? informational : informational[..plus];
        }
    }

    private static string Build()
    {
        var artifacts = Path.Combine(Root, "artifacts");
        if (File.Exists(Path.Combine(artifacts, ".stamp")))
            return artifacts;
        TestContext.Progress.WriteLine("artifacts/ is missing: running packaging/pack.sh");
        var result = ProcessRunner.Run("bash", [Path.Combine(Root, "packaging", "pack.sh")], Root, TimeSpan.FromMinutes(8));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"packaging/pack.sh failed: {result}");
        return artifacts;
    }
}
