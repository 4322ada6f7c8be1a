using System.Text;
using Widescan.Host.Input;

namespace Widescan.Host.Commands;

/// <summary>Reads <c>--network-key-file</c>: 32 or more hex digits, or raw key bytes.</summary>
internal static class NetworkKeyFile
{
    /// <summary>The least key length, as <see cref="Contracts.WidescanOptions.Validate"/> demands.</summary>
    public const int MinBytes = 16;

    /// <summary>
    /// The key in the file, or null with the reason in <paramref name="errors"/>. A file whose trimmed
    /// content is all hex digits is hex (what <c>openssl rand -hex 32</c> writes); anything else is the
    /// key's raw bytes (what <c>head -c 32 /dev/urandom</c> writes).
    /// </summary>
    public static byte[]? Read(FileInfo file, List<string> errors)
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
        if (text.Length > 0 && IsHex(text))
        {
            // A hex file too short or odd is a mistake to report, not 30-odd raw bytes to take as a key.
            if (text.Length % 2 == 0 && text.Length >= 2 * MinBytes)
                return Convert.FromHexString(Encoding.ASCII.GetString(text));
            errors.Add($"--network-key-file {file.FullName}: {text.Length} hex digits; a hex key needs an even number of at least {2 * MinBytes} (16 bytes)");
            return null;
        }

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
