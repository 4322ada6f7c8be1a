using Widescan.Host.Input;

namespace Widescan.Tests.Input;

public class PrintableTests
{
    [TestCase("2001:db8::/32 is fine, ünïcode too", "2001:db8::/32 is fine, ünïcode too")]
    [TestCase("\u001b[31mred\u001b[0m", "\\x1b[31mred\\x1b[0m")]
    [TestCase("a\0b\tc\rd\ne\u007f", "a\\x00b\\x09c\\x0dd\\x0ae\\x7f")]
    [TestCase("csi\u009b2J", "csi\\x9b2J")]
    [TestCase("abc\u202edcba", "abc\\u{202e}dcba")]
    [TestCase("\ufeff2001:db8::1", "\\u{feff}2001:db8::1")]
    [TestCase("zero\u200bwidth\u2028line", "zero\\u{200b}width\\u{2028}line")]
    public void EscapesControlFormatAndSeparatorCharactersOnly(string text, string expected) =>
        Assert.That(Printable.Escape(text), Is.EqualTo(expected));

    [Test]
    public void TextWithNothingToEscapeIsTheSameString()
    {
        var text = "plain";
        Assert.That(Printable.Escape(text), Is.SameAs(text));
    }
}
