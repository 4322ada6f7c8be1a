using System.Text;
using Widescan.Host.Input;

namespace Widescan.Host.Commands;

/// <summary>
/// Reads <c>--network-key-file</c>: 32 or more hex digits, or raw key bytes; or, during a key
/// rollover, two lines of hex, the current key then the next.
/// </summary>
internal static class NetworkKeyFile
{
    /// <summary>The least key length, as <see cref="Contracts.WidescanOptions.Validate"/> demands.</summary>
    public const int MinBytes = 16;

    /// <summary>
    /// The key in the file, or null with the reason in <paramref name="errors"/>. A file whose trimmed
    /// content is all hex digits is hex (what <c>openssl rand -hex 32</c> writes); anything else is the
    /// key's raw bytes (what <c>head -c 32 /dev/urandom</c> writes).
    /// </summary>
    public static byte[]? Read(FileInfo file, List<string> errors) => ReadKeys(file, errors)?.Current;

    /// <summary>
    /// The current key and, when the file holds two lines of hex (a rollover: current, then next),
    /// the next one; null with the reason in <paramref name="errors"/>.
    /// </summary>
    public static (byte[] Current, byte[]? Next)? ReadKeys(FileInfo file, List<string> errors)
    {
        if (ReadBytes(file, errors) is not { } bytes)
            return null;
        var lines = Encoding.ASCII.GetString(Trim(bytes)).Split('\n', StringSplitOptions.TrimEntries);
        if (lines.Length == 2 && lines.All(l => l.Length > 0 && IsHex(Encoding.ASCII.GetBytes(l))))
        {
            var keys = lines.Select((line, i) => HexKey(file, Encoding.ASCII.GetBytes(line), errors, i == 0 ? "the current key" : "the next key")).ToArray();
            if (keys[0] is null || keys[1] is null)
                return null;
            if (keys[0]!.AsSpan().SequenceEqual(keys[1]))
            {
                errors.Add($"--network-key-file {file.FullName}: the next key (line 2) is the current key (line 1); a rollover needs a new key");
                return null;
            }

            return (keys[0]!, keys[1]);
        }

        return Key(file, bytes, errors) is { } key ? (key, null) : null;
    }

    private static byte[]? ReadBytes(FileInfo file, List<string> errors)
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

        return bytes;
    }

    private static byte[]? HexKey(FileInfo file, ReadOnlySpan<byte> text, List<string> errors, string which)
    {
        // A hex file too short or odd is a mistake to report, not 30-odd raw bytes to take as a key.
        if (text.Length % 2 == 0 && text.Length >= 2 * MinBytes)
            return Convert.FromHexString(Encoding.ASCII.GetString(text));
        errors.Add($"--network-key-file {file.FullName}: {which} has {text.Length} hex digits; a hex key needs an even number of at least {2 * MinBytes} (16 bytes)");
        return null;
    }

    private static byte[]? Key(FileInfo file, byte[] bytes, List<string> errors)
    {
        var text = Trim(bytes);
        if (text.Length > 0 && IsHex(text))
            return HexKey(file, text, errors, "the key");

        if (bytes.Length < MinBytes)
        {
            errors.Add($"--network-key-file {file.FullName}: the key is {bytes.Length} bytes; use at least {MinBytes} random bytes or {2 * MinBytes} hex digits");
            return null;
        }

        return bytes;
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

    private static bool IsHex(ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (!char.IsAsciiHexDigit((char)b))
                return false;
        }

        return true;
    }
}
