using System.Text;
using Widescan.Host.Input;

namespace Widescan.Host.Commands;

/// <summary>Reads <c>--network-key-file</c>: 32 or more hex digits (a second line: the next key), or raw key bytes.</summary>
internal static class NetworkKeyFile
{
    /// <summary>The least key length, as <see cref="Contracts.WidescanOptions.Validate"/> demands.</summary>
    public const int MinBytes = 16;

    /// <summary>The current key in the file (see <see cref="ReadKeys"/>), or null with the reason in <paramref name="errors"/>.</summary>
    public static byte[]? Read(FileInfo file, List<string> errors) => ReadKeys(file, errors)?.Current;

    /// <summary>
    /// The keys in the file, or null with the reason in <paramref name="errors"/>. A file whose trimmed
    /// content is all hex digits is one hex key (what <c>openssl rand -hex 32</c> writes); two lines of
    /// hex digits are the current key and the next one of a rollover (docs/rendezvous.md); anything else
    /// is one key's raw bytes (what <c>head -c 32 /dev/urandom</c> writes).
    /// </summary>
    public static NetworkKeys? ReadKeys(FileInfo file, List<string> errors)
    {
        byte[] bytes;
        try
        {
            // At most one byte past the cap is read: /dev/zero or a wrong file ends here, not in memory.
            using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            var buffer = new byte[TextInputLimits.KeyFileBytes + 1];
            var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (length > TextInputLimits.KeyFileBytes)
            {
                errors.Add($"--network-key-file {file.FullName}: the file is larger than {TextInputLimits.KeyFileBytes} bytes; a key is {MinBytes} or more random bytes (64 is plenty) or twice as many hex digits");
                return null;
            }

            bytes = buffer[..length];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"--network-key-file {file.FullName}: {e.Message}");
            return null;
        }

        var text = Trim(bytes);
        if (text.Length > 0 && IsHexLines(text))
        {
            var lines = Encoding.ASCII.GetString(text).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length > 2)
            {
                errors.Add($"--network-key-file {file.FullName}: {lines.Length} lines of hex; the file holds one key, or two (the current key, then the next one of a rollover)");
                return null;
            }

            var keys = lines.Select((line, k) => Hex(file, line, lines.Length == 1 ? "" : k == 0 ? "the current key: " : "the next key: ", errors)).ToArray();
            if (keys.Any(k => k is null))
                return null;
            if (keys.Length == 2 && keys[0]!.AsSpan().SequenceEqual(keys[1]!))
            {
                errors.Add($"--network-key-file {file.FullName}: the next key is the current key; put the new key on the second line");
                return null;
            }

            return new NetworkKeys(keys[0]!, keys.Length == 2 ? keys[1] : null);
        }

        if (bytes.Length < MinBytes)
        {
            errors.Add($"--network-key-file {file.FullName}: the key is {bytes.Length} bytes; use at least {MinBytes} random bytes or {2 * MinBytes} hex digits");
            return null;
        }

        return new NetworkKeys(bytes, null);
    }

    private static byte[]? Hex(FileInfo file, string line, string which, List<string> errors)
    {
        // A hex line too short or odd is a mistake to report, not 30-odd raw bytes to take as a key.
        if (line.Length % 2 == 0 && line.Length >= 2 * MinBytes)
            return Convert.FromHexString(line);
        errors.Add($"--network-key-file {file.FullName}: {which}{line.Length} hex digits; a hex key needs an even number of at least {2 * MinBytes} (16 bytes)");
        return null;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> bytes)
    {
        var start = 0;
        var end = bytes.Length;
        while (start < end && IsSpace(bytes[start]))
            start++;
        while (end > start && IsSpace(bytes[end - 1]))
            end--;
        return bytes[start..end];
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    // Hex digits, and line ends between lines (a CR before an LF is trimmed with the line).
    private static bool IsHexLines(ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (!char.IsAsciiHexDigit((char)b) && b is not ((byte)'\n' or (byte)'\r'))
                return false;
        }

        return true;
    }
}

/// <summary>The keys of a <c>--network-key-file</c>: the current one and, during a rollover, the next.</summary>
/// <param name="Current">The key announces are authenticated with now.</param>
/// <param name="Next">The rollover's next key, or null.</param>
internal sealed record NetworkKeys(byte[] Current, byte[]? Next);
