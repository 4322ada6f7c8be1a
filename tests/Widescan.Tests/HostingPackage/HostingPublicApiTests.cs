using PublicApiGenerator;
using Widescan.Hosting;

namespace Widescan.Tests.HostingPackage;

/// <summary>
/// Every change to Widescan.Hosting's public surface must be deliberate: hosts compile against it. On a
/// difference the test writes PublicApi.received.txt beside the approved file; review it and copy it
/// over PublicApi.approved.txt to approve. AddWidescan lives in Microsoft.Extensions.DependencyInjection, as such extensions do.
/// </summary>
public class HostingPublicApiTests
{
    [Test]
    public void HostingPublicApiIsApproved()
    {
        var api = typeof(WidescanHostOptions).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false, AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection"] });
        var folder = Path.Combine(RepositoryRoot.Path, "tests", "Widescan.Tests", "HostingPackage");
        var approvedPath = Path.Combine(folder, "PublicApi.approved.txt");
        var receivedPath = Path.Combine(folder, "PublicApi.received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath) : "";
        if (Normalize(api) != Normalize(approved))
        {
            File.WriteAllText(receivedPath, api);
            Assert.Fail($"The public API of Widescan.Hosting changed. Review {receivedPath} and, if the change is deliberate, copy it to {approvedPath}.");
        }

        File.Delete(receivedPath);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
}
