using Widescan.Plugin.Probing;

namespace Widescan.Tests.Probing;

public class MacTests
{
    [Test]
    public void MacIsTheTruncatedHmacOnEveryThreadAndAfterSwitchingIdentity()
    {
        var a = WireTestData.Ours(true);
        var b = new WireIdentity(WireTestData.PeerNode, 1, Enumerable.Range(0, 40).Select(i => (byte)i).ToArray());
        byte[] keyB = [.. Enumerable.Range(0, 40).Select(i => (byte)i)];
        int mismatches = 0;
        Parallel.For(0, 4, worker =>
        {
            var random = new Random(worker);
            var covered = new byte[66];
            var mac = new byte[16];
            for (int i = 0; i < 500; i++)
            {
                random.NextBytes(covered);
                bool useA = random.Next(2) == 0;
                (useA ? a : b).ComputeMac(covered, mac);
                var expected = System.Security.Cryptography.HMACSHA256.HashData(useA ? WireTestData.NetworkKey : keyB, covered)[..16];
                if (!mac.SequenceEqual(expected))
                    Interlocked.Increment(ref mismatches);
            }
        });
        Assert.That(mismatches, Is.Zero);
    }
}
