using Widescan.Plugin;

namespace Widescan.Tests.PluginPackage;

/// <summary>
/// Widescan.Plugin's public surface (what a host referencing the package compiles against) must change
/// only on purpose; see <see cref="PublicApiApproval"/>.
/// </summary>
public class PluginPublicApiTests
{
    [Test]
    public void PluginPublicApiIsApproved() => PublicApiApproval.Check(typeof(WidescanPlugin).Assembly, "PluginPackage");
}
