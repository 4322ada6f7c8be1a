namespace Widescan.Host.Input;

/// <summary>
/// The caps on the text files the harness reads, in one place so README and docs/architecture.md can
/// name them. Each is far above what a real file holds and small enough that a hostile or mistaken
/// file (<c>/dev/zero</c>, an image, a log) ends in one error at once, in bounded memory.
/// </summary>
internal static class TextInputLimits
{
    /// <summary>
    /// The longest line of a <c>--prefix-file</c>: a prefix (at most 43 characters), a window and a
    /// comment (a RIPE netname and country) take well under 200 bytes.
    /// </summary>
    public const int PrefixFileLineBytes = 4096;

    /// <summary>The largest <c>--network-key-file</c>: a key is 16 to 64 bytes, or twice that in hex.</summary>
    public const int KeyFileBytes = 1024;

    /// <summary>
    /// The longest line of a result file that <c>widescan prefixes</c> reads: a record is a few hundred
    /// bytes; a peer's <c>appData</c> (base64 of an announce's payload) keeps it under a few KiB.
    /// </summary>
    public const int ResultLineBytes = 65536;

    /// <summary>The most per-line errors reported for one file; the rest are counted.</summary>
    public const int ListedLineErrors = 20;
}
