using PublicApiGenerator;
using Widescan.Hosting.Plugins;

namespace Widescan.Tests.HostingPlugins;

/// <summary>
/// Every change to Widescan.Hosting.Plugins' public surface must be deliberate: hosts compile against it.
/// On a difference the test writes PublicApi.received.txt beside the approved file; review it and copy
/// it over PublicApi.approved.txt to approve. UsePluginFolder lives in Microsoft.Extensions.DependencyInjection.
/// </summary>
public class HostingPluginsPublicApiTests
{
    [Test]
    public void HostingPluginsPublicApiIsApproved()
    {
        var api = typeof(PluginCatalog).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false, AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection"] });
        var folder = Path.Combine(RepositoryRoot.Path, "tests", "Widescan.Tests", "HostingPlugins");
        var approvedPath = Path.Combine(folder, "PublicApi.approved.txt");
        var receivedPath = Path.Combine(folder, "PublicApi.received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath) : "";
        if (Normalize(api) != Normalize(approved))
        {
            File.WriteAllText(receivedPath, api);
            Assert.Fail($"The public API of Widescan.Hosting.Plugins changed. Review {receivedPath} and, if the change is deliberate, copy it to {approvedPath}.");
        }

        File.Delete(receivedPath);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
}
