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
    public void ContractsPublicApiIsApproved() => PublicApiApproval.Check(typeof(Ipv6Prefix).Assembly, "Contracts");
}
