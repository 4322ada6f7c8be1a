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
    public void HostingPublicApiIsApproved() => PublicApiApproval.Check(typeof(WidescanHostOptions).Assembly, "HostingPackage", "Microsoft.Extensions.DependencyInjection");
}
