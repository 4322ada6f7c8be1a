using System.Reflection;
using PublicApiGenerator;

namespace Widescan.Tests;

/// <summary>
/// The approval check every published assembly's public surface goes through: hosts and plugins
/// compile against it, so each change must be deliberate. On a difference it writes
/// PublicApi.received.txt beside the folder's PublicApi.approved.txt and fails; review the received
/// file and copy it over the approved one to approve.
/// </summary>
internal static class PublicApiApproval
{
    /// <summary>Fails unless <paramref name="assembly"/>'s public API is the one approved in <paramref name="folder"/> (under tests/Widescan.Tests).</summary>
    /// <param name="assembly">The published assembly.</param>
    /// <param name="folder">The test folder holding its PublicApi.approved.txt.</param>
    /// <param name="namespacePrefixes">Namespaces outside the assembly's own that it extends (DI extension methods).</param>
    public static void Check(Assembly assembly, string folder, params string[] namespacePrefixes)
    {
        var api = assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false, AllowNamespacePrefixes = namespacePrefixes });
        var directory = Path.Combine(RepositoryRoot.Path, "tests", "Widescan.Tests", folder);
        var approvedPath = Path.Combine(directory, "PublicApi.approved.txt");
        var receivedPath = Path.Combine(directory, "PublicApi.received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath) : "";
        if (Normalize(api) != Normalize(approved))
        {
            File.WriteAllText(receivedPath, api);
            Assert.Fail($"The public API of {assembly.GetName().Name} changed. Review {receivedPath} and, if the change is deliberate, copy it to {approvedPath}.");
        }

        File.Delete(receivedPath);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
}
