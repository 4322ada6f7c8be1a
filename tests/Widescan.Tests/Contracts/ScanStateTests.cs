using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

public class ScanStateTests
{
    private static readonly TargetSpec Spec = new()
    {
        Include = [Ipv6Prefix.Parse("2001:db8::/112")],
        Exclude = [Ipv6Prefix.Parse("2001:db8::/120")],
        Seed = 42,
        Shard = new ShardSpec(1, 2),
        AllowReserved = true,
    };

    [Test]
    public void SavesAndLoadsAndResumesTheSameScan()
    {
        var path = Path.Combine(Path.GetTempPath(), $"widescan-state-{Guid.NewGuid():n}.json");
        try
        {
            ScanState.Of(Spec, cursor: 1234, positions: 32_640, DateTimeOffset.UnixEpoch).Save(path);
            var state = ScanState.Load(path);
            Assert.That(state.Cursor, Is.EqualTo(1234UL));
            Assert.That(state.Positions, Is.EqualTo(32_640UL));
            Assert.That(state.Matches(Spec), Is.True);
            Assert.That(state.ResumeFrom(Spec).StartCursor, Is.EqualTo(1234UL));
            Assert.That(TemporaryFiles.Beside(path), Is.Empty, "written through a renamed temporary file");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void RefusesToResumeAnotherScanSayingWhatDiffers()
    {
        var state = ScanState.Of(Spec, 10, 100, DateTimeOffset.UnixEpoch);
        Assert.That(() => state.ResumeFrom(Spec with { Seed = 43 }), Throws.InvalidOperationException.With.Message.Contains("seed differs"));
        Assert.That(state.Difference(Spec with { Shard = new ShardSpec(0, 2) }), Does.Contain("shard differs"));
        Assert.That(state.Difference(Spec with { Include = [Ipv6Prefix.Parse("2001:db8::/110")] }), Does.Contain("prefixes differ"));
        Assert.That(state.Matches(Spec with { StartCursor = 99 }), Is.True, "the start cursor is not part of the scan's identity");
    }

    [Test]
    public void ABrokenFileIsAClearError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"widescan-state-{Guid.NewGuid():n}.json");
        File.WriteAllText(path, "{ not json");
        try
        {
            Assert.That(() => ScanState.Load(path), Throws.TypeOf<InvalidDataException>().With.Message.Contains("not a Widescan state file"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_list_state_without_its_fingerprint_is_refused_rather_than_written_unresumable()
    {
        var list = new TargetSpec { TargetFiles = ["hits.txt"], Seed = 7 };
        var e = Assert.Throws<ArgumentException>(() => ScanState.Of(list, 0, 1, DateTimeOffset.UnixEpoch))!;
        Assert.That(e.Message, Does.StartWith("a scan of TargetFiles needs the list's fingerprint"));
        Assert.That(ScanState.Of(list, 0, 1, DateTimeOffset.UnixEpoch, "1/sha256:00").TargetsFingerprint, Is.EqualTo("1/sha256:00"));
        Assert.That(ScanState.Of(list with { TargetFilesFingerprint = "1/sha256:01" }, 0, 1, DateTimeOffset.UnixEpoch).TargetsFingerprint, Is.EqualTo("1/sha256:01"));
    }
}
