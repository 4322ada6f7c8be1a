using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

public class PrefixListTests
{
    private static PrefixListReadResult Read(string text) => PrefixList.Read(new StringReader(text));

    [Test]
    public void ReadsEntriesWindowsCommentsAndSkipsBlankAndCommentLines()
    {
        const string Text = "# header comment\r\n" +
            "\r\n" +
            "2001:DB8::/32\r\n" +
            "   2001:db8:1000::/36   window=/56   # EXAMPLE-NET NL  \n" +
            "2001:db8:2000::/36\tWINDOW=/64\n" +
            "2001:db8::1 # a bare address is a /128\n" +
            "   \t \n" +
            "2001:db8:3000::/36#no space before the comment\n";

        var result = Read(Text);

        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Entries, Is.EqualTo(new[]
        {
            new PrefixListEntry(Ipv6Prefix.Parse("2001:db8::/32")),
            new PrefixListEntry(Ipv6Prefix.Parse("2001:db8:1000::/36"), 56, "EXAMPLE-NET NL"),
            new PrefixListEntry(Ipv6Prefix.Parse("2001:db8:2000::/36"), 64),
            new PrefixListEntry(Ipv6Prefix.Parse("2001:db8::1/128"), null, "a bare address is a /128"),
            new PrefixListEntry(Ipv6Prefix.Parse("2001:db8:3000::/36"), null, "no space before the comment"),
        }));
    }

    [TestCase("2001:db8::1/32", "has host bits set")]
    [TestCase("2001:db8::/129", "out of range")]
    [TestCase("2001:db8::/32 window=/24", "window /24 does not fit prefix 2001:db8::/32: it must be /32 to /128")]
    [TestCase("2001:db8::/32 window=/129", "window /129 does not fit")]
    [TestCase("2001:db8::/32 window=56", "unknown token 'window=56'")]
    [TestCase("2001:db8::/32 window=/", "is not window=/N")]
    [TestCase("2001:db8::/32 window=/5x", "is not window=/N")]
    [TestCase("2001:db8::/32 subnet=/56", "unknown token 'subnet=/56'")]
    [TestCase("2001:db8::/32 window=/56 extra", "unexpected 'extra' after 'window=/56'")]
    [TestCase("192.0.2.0/24", "is not an IPv6 prefix")]
    public void AMalformedLineIsAnErrorNamingItsLineAndTheProblem(string line, string problem)
    {
        var result = Read("2001:db8:1::/48\n\n" + line + "\n2001:db8:2::/48\n");

        Assert.That(result.Entries.Select(e => e.Prefix.ToString()), Is.EqualTo(new[] { "2001:db8:1::/48", "2001:db8:2::/48" }));
        Assert.That(result.Errors, Has.Count.EqualTo(1));
        Assert.That(result.Errors[0].LineNumber, Is.EqualTo(3));
        Assert.That(result.Errors[0].Message, Does.Contain(problem));
        Assert.That(result.Errors[0].ToString(), Does.StartWith("line 3: "));
    }

    [Test]
    public void WriteThenReadGivesTheSameEntries()
    {
        var entries = new[]
        {
            new PrefixListEntry(Ipv6Prefix.Parse("2001:db8::/32")),
            new PrefixListEntry(Ipv6Prefix.Parse("2001:db8:1000::/36"), 56, "EXAMPLE-NET NL"),
            new PrefixListEntry(Ipv6Prefix.Parse("2001:db8:2000::/48"), 48, "Café Zürich"),
            new PrefixListEntry(Ipv6Prefix.Parse("2001:db8:3000::/64"), 128),
        };
        var text = new StringWriter();
        PrefixList.Write(text, entries);

        Assert.That(text.ToString().ReplaceLineEndings("\n"), Is.EqualTo(
            "2001:db8::/32\n2001:db8:1000::/36 window=/56 # EXAMPLE-NET NL\n2001:db8:2000::/48 window=/48 # Café Zürich\n2001:db8:3000::/64 window=/128\n"));
        var result = Read(text.ToString());
        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Entries, Is.EqualTo(entries));
    }

    [Test]
    public void FormatKeepsACommentOnOneLineAndRefusesAWindowThatDoesNotFit()
    {
        var entry = new PrefixListEntry(Ipv6Prefix.Parse("2001:db8::/32"), null, "two\nlines");
        Assert.That(PrefixList.Format(entry), Is.EqualTo("2001:db8::/32 # two lines"));
        Assert.That(Read(PrefixList.Format(entry)).Entries.Single(), Is.EqualTo(entry with { Comment = "two lines" }));

        Assert.That(() => PrefixList.Format(new PrefixListEntry(Ipv6Prefix.Parse("2001:db8::/32"), 16)),
            Throws.ArgumentException.With.Message.Contains("window /16 does not fit prefix 2001:db8::/32"));
    }
}
