using System.Reflection;
using Widescan.Plugin.Probing;

namespace Widescan.Tests.Probing;

/// <summary>
/// The byte vectors quoted in docs/wire-format.md, written from the fixed inputs in <see cref="WireTestData"/>.
/// Their SipHash tags, HMAC tags and checksum were also checked with an independent Python script
/// when they were generated; here the MACs and checksums are recomputed through separate code paths.
/// </summary>
public class GoldenVectorTests
{
    internal const string UnkeyedProbe =
        "80 00 00 00 35 5f 57 ab 57 53 43 4e 01 01 00 18 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff "
        + "10 92 00 00 01 a0 c4 50 6c 00 16 3d dd 17 57 e3 a6 ab 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
        + "00 00 00 00 00 00 00 00 00 00";

    internal const string KeyedProbe =
        "80 00 00 00 35 5f 57 ab 57 53 43 4e 01 01 01 18 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff "
        + "10 92 00 00 01 a0 c4 50 6c 00 16 3d dd 17 57 e3 a6 ab 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
        + "00 00 00 00 00 00 00 00 00 00 5c c2 5a 87 aa cc e1 e1 b4 e9 1c c1 38 61 89 36";

    internal const string UnkeyedProbeFrame =
        "02 00 00 00 00 01 02 00 00 00 00 02 86 dd 60 00 00 00 00 4a 3a 40 20 01 0d b8 00 00 00 00 00 00 "
        + "00 00 00 00 01 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 80 00 09 98 35 5f 57 ab 57 53 "
        + "43 4e 01 01 00 18 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 10 92 00 00 01 a0 c4 50 6c 00 "
        + "16 3d dd 17 57 e3 a6 ab 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";

    internal const string KeyedAnnounceReply =
        "81 00 00 00 35 5f 57 ab 57 53 43 4e 01 02 01 08 f0 e1 d2 c3 b4 a5 96 87 78 69 5a 4b 3c 2d 1e 0f "
        + "10 f7 00 00 01 a0 c4 50 6c 00 01 23 45 67 89 ab cd ef 77 69 64 65 73 63 61 6e 7b 39 d4 c9 50 1b "
        + "ae b1 0f b4 ce d6 46 30 d3 0b";

    [Test]
    public void UnkeyedProbeToTargetMatchesTheGoldenVector() =>
        Assert.That(WireTestData.Probe(false, WireTestData.Target), Is.EqualTo(WireTestData.Hex(UnkeyedProbe)));

    [Test]
    public void KeyedProbeToTargetMatchesTheGoldenVector() =>
        Assert.That(WireTestData.Probe(true, WireTestData.Target), Is.EqualTo(WireTestData.Hex(KeyedProbe)));

    [Test]
    public void LayerTwoFrameMatchesTheGoldenVector()
    {
        var writer = new ProbeWriter(WireTestData.Ours(false), WireTestData.Tag());
        var frame = new byte[writer.FrameLength];
        writer.WriteFrame(frame, new LinkAddressing(WireTestData.GatewayMac, WireTestData.OurMac, WireTestData.Us), WireTestData.Timestamp);
        writer.SetFrameTarget(frame, WireTestData.Target);
        Assert.That(frame, Is.EqualTo(WireTestData.Hex(UnkeyedProbeFrame)));
    }

    [Test]
    public void KeyedAnnounceAnsweringTheKeyedProbeMatchesTheGoldenVector() =>
        Assert.That(WireTestData.AnnounceAnswering(WireTestData.Hex(KeyedProbe), true), Is.EqualTo(WireTestData.Hex(KeyedAnnounceReply)));

    [Test]
    public void GoldenVectorsCarryAnHmacOverEverythingBeforeIt()
    {
        var probe = WireTestData.Hex(KeyedProbe);
        var announce = WireTestData.Hex(KeyedAnnounceReply);
        using var hmac = new System.Security.Cryptography.HMACSHA256(WireTestData.NetworkKey);
        Assert.Multiple(() =>
        {
            Assert.That(probe[74..], Is.EqualTo(hmac.ComputeHash(probe, 8, 66)[..16]));
            Assert.That(announce[58..], Is.EqualTo(hmac.ComputeHash(announce, 8, 50)[..16]));
        });
    }

    [Test]
    public void GoldenFrameChecksumMatchesAnIndependentComputation()
    {
        var frame = WireTestData.Hex(UnkeyedProbeFrame);
        var icmp = frame.AsSpan(54);
        ushort carried = (ushort)((icmp[2] << 8) | icmp[3]);
        Assert.That(carried, Is.EqualTo(WireTestData.NaiveChecksum(WireTestData.Us, WireTestData.Target, icmp)));
    }

    [TestCase(nameof(UnkeyedProbe), UnkeyedProbe)]
    [TestCase(nameof(KeyedProbe), KeyedProbe)]
    [TestCase(nameof(UnkeyedProbeFrame), UnkeyedProbeFrame)]
    [TestCase(nameof(KeyedAnnounceReply), KeyedAnnounceReply)]
    public void TheSpecificationQuotesTheSameVector(string name, string vector)
    {
        var root = typeof(GoldenVectorTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "WidescanRoot").Value!;
        var doc = File.ReadAllText(Path.Combine(root, "docs", "wire-format.md"));
        var docHex = new string(doc.Where(char.IsAsciiHexDigit).Select(char.ToLowerInvariant).ToArray());
        var vectorHex = Convert.ToHexString(WireTestData.Hex(vector)).ToLowerInvariant();
        Assert.That(docHex, Does.Contain(vectorHex), $"docs/wire-format.md must quote {name}");
    }
}
