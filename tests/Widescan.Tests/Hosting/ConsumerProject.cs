namespace Widescan.Tests.Hosting;

/// <summary>
/// A fresh console project outside the repository that restores one of our packages from
/// <c>artifacts/</c> as a local feed (nuget.org for everything else), as a host developer's project
/// would: no Directory.*.props of ours applies, and its own package folder keeps a cached copy of an
/// older build of the package from masking a broken one. Deleted on dispose.
/// </summary>
internal sealed class ConsumerProject : IDisposable
{
    private ConsumerProject(string directory) => Directory = directory;

    /// <summary>The project's folder.</summary>
    public string Directory { get; }

    /// <summary>The project's own package folder (what restore brought in).</summary>
    public string Packages => Path.Combine(Directory, "packages");

    /// <summary>Creates the project referencing <paramref name="package"/> at <paramref name="version"/> (and <paramref name="also"/>), with <paramref name="program"/> as Program.cs.</summary>
    public static ConsumerProject Create(string package, string version, string program, bool warningsAsErrors = false, params (string Package, string Version)[] also)
    {
        var references = string.Concat(also.Select(a => $"""

                <PackageReference Include="{a.Package}" Version="{a.Version}" />
            """));
        var directory = System.IO.Directory.CreateTempSubdirectory($"widescan-{package.ToLowerInvariant()}-consumer-").FullName;
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Packages.props"), "<Project />\n");
        LocalFeed.WriteConfig(directory, withNuGetOrg: true);
        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>{(warningsAsErrors ? "true" : "false")}</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{package}" Version="{version}" />{references}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
        return new ConsumerProject(directory);
    }

    /// <summary>Writes a file beside the project (input for its program).</summary>
    public void Add(string name, byte[] bytes) => File.WriteAllBytes(Path.Combine(Directory, name), bytes);

    /// <summary>Restores, builds and runs it.</summary>
    public ProcessRunner.Result Run()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = ProcessRunner.Run("dotnet", ["run", "--nologo"], Directory, TimeSpan.FromMinutes(5));
        TestContext.Progress.WriteLine($"the consumer project restored, built and ran in {clock.Elapsed.TotalSeconds:0.0} s");
        return result;
    }

    /// <summary>Whether restore put <paramref name="package"/> <paramref name="version"/> in the project's own package folder.</summary>
    public bool Restored(string package, string version) => System.IO.Directory.Exists(Path.Combine(Packages, package.ToLowerInvariant(), version));

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
