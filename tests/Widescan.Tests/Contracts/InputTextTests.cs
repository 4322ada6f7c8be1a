using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

/// <summary>
/// <see cref="InputText"/>: what a message may echo of input, escaped and cut to an excerpt, so that
/// a private file or a kilobyte line cannot fill an error.
/// </summary>
public sealed class InputTextTests
{
    [Test]
    public void An_excerpt_keeps_short_text_and_cuts_long_text_with_an_ellipsis()
    {
        Assert.That(InputText.Excerpt("2001:db8::zz"), Is.EqualTo("2001:db8::zz"));
        var exact = new string('a', InputText.ExcerptLength);
        Assert.That(InputText.Excerpt(exact), Is.EqualTo(exact));
        Assert.That(InputText.Excerpt(exact + "b"), Is.EqualTo(exact + InputText.Ellipsis));
        Assert.That(InputText.Excerpt(new string('x', 4096)), Has.Length.EqualTo(InputText.ExcerptLength + InputText.Ellipsis.Length));
    }

    [Test]
    public void An_excerpt_escapes_and_counts_the_escapes_against_its_length()
    {
        Assert.That(InputText.Excerpt("\u001b[2J\ufeffroot"), Is.EqualTo("\\x1b[2J\\u{feff}root"));
        var escapes = InputText.Excerpt(new string('\u202e', 100));
        Assert.That(escapes, Is.EqualTo(string.Concat(Enumerable.Repeat("\\u{202e}", InputText.ExcerptLength / 8)) + InputText.Ellipsis));
    }

    [Test]
    public void A_surrogate_pair_is_kept_whole_and_a_lone_surrogate_escaped()
    {
        Assert.That(InputText.Escape("a\ud83d\ude00b"), Is.EqualTo("a\ud83d\ude00b"));
        Assert.That(InputText.Escape("a\ud83db"), Is.EqualTo("a\\u{d83d}b"));
        Assert.That(InputText.Excerpt(new string('a', InputText.ExcerptLength - 1) + "\ud83d\ude00"), Is.EqualTo(new string('a', InputText.ExcerptLength - 1) + InputText.Ellipsis), "a pair is never cut in half");
    }
}
