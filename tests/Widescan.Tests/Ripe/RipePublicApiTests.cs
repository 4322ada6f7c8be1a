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
    public void RipePublicApiIsApproved() => PublicApiApproval.Check(typeof(RipeImport).Assembly, "Ripe");
}
