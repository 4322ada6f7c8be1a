using PublicApiGenerator;
using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

/// <summary>
/// Every change to the contracts' public surface must be deliberate: it breaks every host and plugin
/// built against the old one. On a difference the test writes PublicApi.received.txt beside the
/// approved file; review it and copy it over PublicApi.approved.txt to approve.
/// </summary>
public class PublicApiTests
{
    [Test]
    public void ContractsPublicApiIsApproved()
    {
        var api = typeof(Ipv6Prefix).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false });
        var folder = Path.Combine(RepositoryRoot.Path, "tests", "Widescan.Tests", "Contracts");
        var approvedPath = Path.Combine(folder, "PublicApi.approved.txt");
        var receivedPath = Path.Combine(folder, "PublicApi.received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath) : "";
        if (Normalize(api) != Normalize(approved))
        {
            File.WriteAllText(receivedPath, api);
            Assert.Fail($"The public API of Widescan.Contracts changed. Review {receivedPath} and, if the change is deliberate, copy it to {approvedPath}.");
        }

        File.Delete(receivedPath);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
}
