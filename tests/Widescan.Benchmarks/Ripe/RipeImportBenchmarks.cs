using System.Globalization;
using System.IO.Compression;
using System.Text;
using BenchmarkDotNet.Attributes;
using Widescan.Ripe;

namespace Widescan.Benchmarks.Ripe;

/// <summary>
/// Throughput of the RIPE import over a ~64 MB uncompressed inet6num dump held in memory (so disk
/// speed does not count): MB/s = <see cref="UncompressedBytes"/> / mean time.
/// </summary>
[MemoryDiagnoser]
public class RipeImportBenchmarks
{
    private const int Objects = 150_000;
    private byte[] plain = [];
    private byte[] gzip = [];

    /// <summary>The uncompressed size of the fixture, printed once by the setup.</summary>
    public long UncompressedBytes => plain.Length;

    [GlobalSetup]
    public void Setup()
    {
        plain = Generate();
        using var output = new MemoryStream();
        using (var compressor = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            compressor.Write(plain);
        gzip = output.ToArray();
        Console.WriteLine($"// RIPE fixture: {Objects} objects, {plain.Length} bytes uncompressed, {gzip.Length} bytes gzip");
    }

    [Benchmark(Baseline = true, Description = "parse plain")]
    public int ParsePlain()
    {
        using var reader = new RpslReader(new MemoryStream(plain, writable: false));
        var count = 0;
        while (reader.Read())
            count++;
        return count;
    }

    [Benchmark(Description = "parse gzip")]
    public int ParseGzip()
    {
        using var reader = new RpslReader(new MemoryStream(gzip, writable: false));
        var count = 0;
        while (reader.Read())
            count++;
        return count;
    }

    [Benchmark(Description = "import plain, country+netname+status filters")]
    public long ImportFiltered()
    {
        var filter = new RipeFilterOptions
        {
            Countries = ["NL", "DE"],
            NetnamePattern = "^EXAMPLE-",
            Statuses = ["ASSIGNED", "AGGREGATED-BY-LIR"],
        };
        long kept = 0;
        var summary = new RipeImport(filter).Run(new MemoryStream(plain, writable: false), "bench", null, null, _ => kept++);
        return summary.ObjectsRead + kept;
    }

    /// <summary>Objects shaped like RIPE's anonymised split dump: ~430 bytes each, comments, remarks, continuations.</summary>
    private static byte[] Generate()
    {
        string[] countries = ["NL", "DE", "FR", "GB", "SE", "IT", "PL", "ES"];
        string[] statuses = ["ALLOCATED-BY-RIR", "ALLOCATED-BY-LIR", "AGGREGATED-BY-LIR", "ASSIGNED", "ASSIGNED PI"];
        var text = new StringBuilder(Objects * 450);
        text.Append("#\n# The contents of this file are subject to\n# RIPE Database Terms and Conditions\n#\n\n");
        for (var i = 0; i < Objects; i++)
        {
            var status = statuses[i % statuses.Length];
            var length = status == "AGGREGATED-BY-LIR" ? 40 : 48;
            var third = (i & 0xffff) & (length == 40 ? 0xff00 : 0xffff);
            text.Append(CultureInfo.InvariantCulture, $"inet6num:        2001:db8:{third:x}::/{length}\n");
            text.Append(CultureInfo.InvariantCulture, $"netname:         {(i % 3 == 0 ? "EXAMPLE" : "CUSTOMER")}-NET-{i}\n");
            text.Append(CultureInfo.InvariantCulture, $"descr:           Example Customer {i} B.V.\n");
            if (i % 4 == 0)
                text.Append("                 Keizersgracht, Amsterdam\n");
            text.Append(CultureInfo.InvariantCulture, $"country:         {countries[i % countries.Length]}\n");
            text.Append(CultureInfo.InvariantCulture, $"org:             ORG-EX{i % 97}-RIPE\n");
            text.Append("admin-c:         DUMY-RIPE\ntech-c:          DUMY-RIPE\n");
            text.Append(CultureInfo.InvariantCulture, $"status:          {status}\n");
            if (length == 40)
                text.Append("assignment-size: 56\n");
            text.Append("mnt-by:          EXAMPLE-MNT\nmnt-lower:       EXAMPLE-MNT\n");
            text.Append("remarks:         ****************************\n");
            text.Append("created:         2012-03-08T14:05:11Z\nlast-modified:   2021-06-30T09:17:44Z\n");
            text.Append("source:          RIPE # Filtered\n\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
