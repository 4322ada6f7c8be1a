using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

/// <summary>A hostile or damaged state file: each case its own message naming the field, never a serializer's exception.</summary>
public class ScanStateFileTests
{
    private const string Good = """{"version":1,"include":["2001:db8::/112"],"seed":42,"shard":"0/1","cursor":10,"positions":65536}""";

    [TestCase("""{"version":1}""", "field 'cursor' is missing")]
    [TestCase("""{"version":1,"seed":1,"cursor":1,"positions":9}""", "field 'include' is missing")]
    [TestCase("""{"version":1,"include":["2001:db8::/112"],"seed":1,"positions":9}""", "field 'cursor' is missing")]
    [TestCase("""{"version":1,"include":["2001:db8::/112"],"seed":1,"cursor":"10","positions":9}""", "field 'cursor' is a string; it must be a whole number")]
    [TestCase("""{"version":1,"include":["2001:db8::/112"],"seed":1,"cursor":-1,"positions":9}""", "field 'cursor' is -1; it must be a whole number from 0 to 18446744073709551615")]
    [TestCase("""{"version":1,"include":["2001:db8::/112"],"seed":1,"cursor":18446744073709551616,"positions":9}""", "field 'cursor' is 18446744073709551616")]
    [TestCase("""{"version":1,"include":["2001:db8::/112"],"seed":1,"cursor":10,"positions":9}""", "field 'cursor' (10) is past field 'positions' (9)")]
    [TestCase("""{"version":7,"include":["2001:db8::/112"],"seed":1,"cursor":1,"positions":9}""", "version 7 is not one this Widescan reads")]
    [TestCase("""{"version":"1"}""", "field 'version' is a string; it must be a whole number")]
    [TestCase("""{"version":1,"include":"2001:db8::/112","seed":1,"cursor":1,"positions":9}""", "field 'include' is a string; it must be an array of strings")]
    [TestCase("""{"version":1,"include":[5],"seed":1,"cursor":1,"positions":9}""", "field 'include[1]' is the number 5")]
    [TestCase("""{"version":1,"include":["2001:db8::/112"],"seed":1,"cursor":1,"positions":9,"shard":"3/2"}""", "field 'shard': shard '3/2'")]
    [TestCase("""{"version":1,"include":["2001:db8::/112"],"seed":1,"cursor":1,"positions":9,"allowReserved":"yes"}""", "field 'allowReserved' is a string; it must be true or false")]
    [TestCase("""[1,2]""", "not a Widescan state file: not a JSON object")]
    [TestCase("""{ not json""", "not a Widescan state file: not JSON")]
    public void EachBadFieldHasItsOwnMessage(string text, string message)
    {
        var path = Write(System.Text.Encoding.UTF8.GetBytes(text));
        try
        {
            Assert.That(() => ScanState.Load(path), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo($"state file {path}: {message}")
                .Or.Message.StartsWith($"state file {path}: {message}"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void ABinaryFileIsNamedAsOne()
    {
        var path = Write([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0x1b]);
        var latin = Write([0x7b, 0xff, 0xfe, 0x7d]);
        try
        {
            Assert.That(() => ScanState.Load(path), Throws.TypeOf<InvalidDataException>().With.Message.Contains("not a text file"));
            Assert.That(() => ScanState.Load(latin), Throws.TypeOf<InvalidDataException>().With.Message.Contains("not UTF-8 text"));
        }
        finally
        {
            File.Delete(path);
            File.Delete(latin);
        }
    }

    [Test]
    public void AHugeFileIsRefusedWithoutBeingRead()
    {
        var path = Path.Combine(Path.GetTempPath(), $"widescan-state-{Guid.NewGuid():n}.json");
        using (var file = File.Create(path))
            file.SetLength(ScanState.MaxFileBytes + 1L); // sparse: nothing is written
        try
        {
            Assert.That(() => ScanState.Load(path), Throws.TypeOf<InvalidDataException>().With.Message.Contains($"a state file is at most {ScanState.MaxFileBytes}"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void AGoodFileLoadsWithTheDefaultsOfItsOptionalFields()
    {
        var path = Write(System.Text.Encoding.UTF8.GetBytes(Good));
        try
        {
            var state = ScanState.Load(path);
            Assert.That((state.Cursor, state.Positions, state.Seed, state.Exclude.Count, state.SubnetBits, state.AllowReserved), Is.EqualTo((10UL, 65_536UL, 42UL, 0, (int?)null, false)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void SaveLeavesNoTemporaryFileAndStopsAtEachStep()
    {
        var path = Path.Combine(Path.GetTempPath(), $"widescan-state-{Guid.NewGuid():n}.json");
        var spec = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/112")], AllowReserved = true };
        var steps = new List<(ScanStateSaveStep, bool TemporaryThere, ulong? Saved)>();
        try
        {
            ScanState.Of(spec, 5, 100, DateTimeOffset.UnixEpoch).Save(path);
            ScanState.Of(spec, 9, 100, DateTimeOffset.UnixEpoch).Save(path, step => steps.Add((step, TemporaryFiles.Beside(path).Length > 0, ScanState.Load(path).Cursor)));
            Assert.That(steps, Is.EqualTo(new[] { (ScanStateSaveStep.TemporaryWritten, true, (ulong?)5UL), (ScanStateSaveStep.Renamed, false, (ulong?)9UL) }),
                "the old state stands until the rename; the new one after it");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void SaveNeverWritesThroughALinkPlantedWhereATemporaryFileCouldGo()
    {
        // A fixed PATH.tmp opened with O_TRUNC would follow this link: anyone who can write a shared
        // directory could have a root scan overwrite the file it names.
        var directory = Directory.CreateTempSubdirectory("widescan-state-link-").FullName;
        try
        {
            var path = Path.Combine(directory, "scan.json");
            var victim = Path.Combine(directory, "victim");
            File.WriteAllText(victim, "untouched");
            File.CreateSymbolicLink(path + ".tmp", victim);
            var spec = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/112")], AllowReserved = true };

            ScanState.Of(spec, 7, 100, DateTimeOffset.UnixEpoch).Save(path);

            Assert.Multiple(() =>
            {
                Assert.That(File.ReadAllText(victim), Is.EqualTo("untouched"));
                Assert.That(ScanState.Load(path).Cursor, Is.EqualTo(7UL));
                Assert.That(TemporaryFiles.Beside(path), Is.EqualTo(new[] { path + ".tmp" }), "only the planted link, which Save neither followed nor removed");
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Write(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"widescan-state-{Guid.NewGuid():n}.json");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
