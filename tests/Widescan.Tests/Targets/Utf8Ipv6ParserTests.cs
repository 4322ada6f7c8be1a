using System.Text;
using Widescan.Contracts;
using Widescan.Plugin.Targets;

namespace Widescan.Tests.Targets;

/// <summary>
/// The targets file's allocation-free parser accepts exactly what <see cref="Ipv6Address.TryParse(ReadOnlySpan{char}, out UInt128)"/>
/// accepts, with the same value: on chosen edge cases and on random and mutated text.
/// </summary>
[TestFixture]
public sealed class Utf8Ipv6ParserTests
{
    [TestCase("2001:db8::1")]
    [TestCase("2001:DB8:0:0:0:0:0:1")]
    [TestCase("2001:db8::")]
    [TestCase("2001:db8:1:2:3:4:5::")]
    [TestCase("2001:db8::1.2.3.4")]
    [TestCase("2001:db8:1:2:3:4:1.2.3.4")]
    [TestCase("2001:db8:1:2:3::1.2.3.04")]
    [TestCase("2001:0db8::0001")]
    [TestCase("2001:db8:1:2:3:4:5:6:7")]
    [TestCase("2001:db8::1::2")]
    [TestCase("2001:db8:::1")]
    [TestCase("2001:db8::1:")]
    [TestCase(":2001:db8::1")]
    [TestCase("2001:db8::01.2.3.4")]
    [TestCase("2001:db8::1.02.3.4")]
    [TestCase("2001:db8::9.7.00.0")]
    [TestCase("2001:db8::1.2.03.4")]
    [TestCase("2001:db8::1.2.3.004")]
    [TestCase("2001:db8::1.2.3.0255")]
    [TestCase("2001:db8::1.2.3.00")]
    [TestCase("2001:db8::0.0.0.0")]
    [TestCase("2001:db8::1.2.3.4.5")]
    [TestCase("2001:db8::1..3.4")]
    [TestCase("2001:db8::1.2.3.256")]
    [TestCase("2001:db8::1.2.3")]
    [TestCase("2001:db8:1:2:3:4:5:1.2.3.4")]
    [TestCase("2001:db8:1:2:3:4::1.2.3.4")]
    [TestCase("2001:db8::1.2.3.4:5")]
    [TestCase("02001:db8::1")]
    [TestCase("2001:db8::1%1")]
    [TestCase("2001:db8::1/128")]
    [TestCase("[2001:db8::1]")]
    [TestCase("2001:db8:1:2:3:4:5")]
    [TestCase("192.0.2.1")]
    [TestCase("")]
    public void Agrees_with_the_contracts_parser(string text) => AssertAgree(text);

    [Test]
    public void Agrees_on_random_and_mutated_text()
    {
        var random = new Random(13);
        const string Alphabet = "0123456789abcdefABCDEF:.:::..0g/% ";
        var accepted = 0;
        var quads = 0;
        for (var k = 0; k < 200_000; k++)
        {
            string text;
            if (k % 4 == 1)
            {
                // An address with a dotted-quad tail whose parts carry zeros and leading zeros, then mutated.
                var chars = new StringBuilder(DottedQuad(random));
                Mutate(chars, random, Alphabet);
                text = chars.ToString();
            }
            else if (k % 2 == 0)
            {
                // A real address in one of its forms, then a few characters changed, dropped or added.
                var address = (UInt128)random.NextInt64() << 64 | (ulong)random.NextInt64();
                var chars = new StringBuilder(k % 4 == 0 ? Expanded(address) : Ipv6Address.Format(address));
                for (var m = random.Next(0, 3); m > 0 && chars.Length > 0; m--)
                {
                    var at = random.Next(chars.Length);
                    switch (random.Next(3))
                    {
                        case 0: chars[at] = Alphabet[random.Next(Alphabet.Length)]; break;
                        case 1: chars.Remove(at, 1); break;
                        default: chars.Insert(at, Alphabet[random.Next(Alphabet.Length)]); break;
                    }
                }

                text = chars.ToString();
            }
            else
            {
                text = new string(Enumerable.Range(0, random.Next(1, 24)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
            }

            if (AssertAgree(text))
            {
                accepted++;
                quads += text.Contains('.', StringComparison.Ordinal) ? 1 : 0;
            }
        }

        Assert.That(accepted, Is.GreaterThan(50_000), "the mutations left enough valid addresses to compare values");
        Assert.That(quads, Is.GreaterThan(5_000), "enough valid dotted quads to compare values");
    }

    private static readonly string[] QuadParts = ["0", "00", "000", "1", "01", "001", "010", "09", "9", "99", "099", "255", "0255", "256", "25", "100"];

    // A random head of groups inside 2001:db8::/32 (with or without "::") and four parts drawn from QuadParts or random decimals.
    private static string DottedQuad(Random random)
    {
        var head = random.Next(4) switch
        {
            0 => "2001:db8:0:0:0:0:",
            1 => "2001:db8::",
            2 => "2001:db8:1:2:3:4:",
            _ => "2001:db8:1::",
        };
        var parts = Enumerable.Range(0, 4).Select(_ => random.Next(2) == 0 ? QuadParts[random.Next(QuadParts.Length)] : random.Next(0, 300).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return head + string.Join('.', parts);
    }

    private static void Mutate(StringBuilder chars, Random random, string alphabet)
    {
        for (var m = random.Next(0, 2); m > 0 && chars.Length > 0; m--)
        {
            var at = random.Next(chars.Length);
            switch (random.Next(3))
            {
                case 0: chars[at] = alphabet[random.Next(alphabet.Length)]; break;
                case 1: chars.Remove(at, 1); break;
                default: chars.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
            }
        }
    }

    private static string Expanded(UInt128 address) =>
        string.Join(':', Enumerable.Range(0, 8).Select(g => ((ushort)(address >> (112 - 16 * g))).ToString("x")));

    private static bool AssertAgree(string text)
    {
        var expected = Ipv6Address.TryParse(text, out var value);
        var actual = Utf8Ipv6Parser.TryParse(Encoding.UTF8.GetBytes(text), out var parsed);
        if (actual != expected || (expected && parsed != value))
            Assert.Fail($"'{text}': the contracts parser says {expected} ({Ipv6Address.Format(value)}), the UTF-8 parser {actual} ({Ipv6Address.Format(parsed)})");
        return expected;
    }
}
