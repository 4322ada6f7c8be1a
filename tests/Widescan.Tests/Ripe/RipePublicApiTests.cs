using PublicApiGenerator;
using Widescan.Ripe;

namespace Widescan.Tests.Ripe;

/// <summary>
/// Every change to Widescan.Ripe's public surface must be deliberate: hosts compile against it. On a
/// difference the test writes PublicApi.received.txt beside the approved file; review it and copy it
/// over PublicApi.approved.txt to approve.
/// </summary>
public class RipePublicApiTests
{
    [Test]
    public void RipePublicApiIsApproved()
    {
        var api = typeof(RipeImport).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false });
        var folder = Path.Combine(RepositoryRoot.Path, "tests", "Widescan.Tests", "Ripe");
        var approvedPath = Path.Combine(folder, "PublicApi.approved.txt");
        var receivedPath = Path.Combine(folder, "PublicApi.received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath) : "";
        if (Normalize(api) != Normalize(approved))
        {
            File.WriteAllText(receivedPath, api);
            Assert.Fail($"The public API of Widescan.Ripe changed. Review {receivedPath} and, if the change is deliberate, copy it to {approvedPath}.");
        }

        File.Delete(receivedPath);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
}
