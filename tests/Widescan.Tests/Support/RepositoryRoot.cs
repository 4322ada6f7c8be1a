using System.Reflection;

namespace Widescan.Tests;

/// <summary>The repository root, recorded at build time by Widescan.Tests.csproj.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var recorded = typeof(RepositoryRoot).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "WidescanRoot")?.Value;
        if (recorded is not null && File.Exists(System.IO.Path.Combine(recorded, "Widescan.Plugin.sln")))
            return System.IO.Path.GetFullPath(recorded);
        throw new InvalidOperationException("cannot find the repository root (Widescan.Plugin.sln); build the tests from the repository");
    }
}
