using System.Text;
using Widescan.Contracts;

namespace Widescan.Hosting;

/// <summary>
/// The network key from the one source the host names: <see cref="WidescanHostOptions.NetworkKeyFile"/>,
/// <see cref="WidescanHostOptions.NetworkKeyEnvironmentVariable"/> or the key bound into
/// <see cref="WidescanOptions.NetworkKey"/>. A named source that is missing or unusable is an error
/// (never a run without a key: that would accept unauthenticated peers).
/// </summary>
internal static class NetworkKeySources
{
    private const int MinBytes = 16;
    private const int MaxFileBytes = 4096;

    /// <summary>The discovery options with the key of the named source, or the options as they are with the problems in <paramref name="errors"/>.</summary>
    public static WidescanOptions Apply(WidescanHostOptions host, List<string> errors)
    {
        var options = host.Discovery;
        var named = new List<string>();
        if (host.NetworkKeyFile is not null)
            named.Add(nameof(WidescanHostOptions.NetworkKeyFile));
        if (host.NetworkKeyEnvironmentVariable is not null)
            named.Add(nameof(WidescanHostOptions.NetworkKeyEnvironmentVariable));
        if (!options.NetworkKey.IsEmpty)
            named.Add(nameof(WidescanOptions.NetworkKey));
        if (named.Count > 1)
        {
            errors.Add($"the network key has {named.Count} sources ({string.Join(", ", named)}): set one of them");
            return options;
        }

        if (host.NetworkKeyFile is { } file)
            return FromFile(options, file, errors);
        if (host.NetworkKeyEnvironmentVariable is { } variable)
            return FromEnvironment(options, variable, errors);
        return options;
    }

    /// <summary>Parses hex digits (an even number) or base64; null with the reason when neither fits.</summary>
    public static byte[]? ParseText(string text, string where, List<string> errors)
    {
        // One text form for bytes everywhere (ByteString: hex:…, base64:…, or bare hex or base64).
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add($"{where}: the key is empty: give it as hex digits or base64 (hex:…, base64:…)");
            return null;
        }

        try
        {
            return ByteString.Parse(text).ToArray();
        }
        catch (FormatException e)
        {
            errors.Add($"{where}: the key {e.Message}");
            return null;
        }
    }

    private static WidescanOptions FromEnvironment(WidescanOptions options, string variable, List<string> errors)
    {
        const string name = nameof(WidescanHostOptions.NetworkKeyEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(variable))
        {
            errors.Add($"{name} is empty: name the environment variable that holds the key, or leave it unset");
            return options;
        }

        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{name} {variable}: the environment variable is not set or empty; set it to the key (hex or base64) or choose another source");
            return options;
        }

        var key = ParseText(value, $"{name} {variable}", errors);
        return key is null ? options : options with { NetworkKey = key };
    }

    private static WidescanOptions FromFile(WidescanOptions options, string path, List<string> errors)
    {
        const string name = nameof(WidescanHostOptions.NetworkKeyFile);
        if (string.IsNullOrWhiteSpace(path))
        {
            errors.Add($"{name} is empty: give the key file's path, or leave it unset");
            return options;
        }

        var full = Path.GetFullPath(path);
        byte[] bytes;
        try
        {
            // At most one byte past the cap is read: a wrong file (/dev/zero) ends here, not in memory.
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            var buffer = new byte[MaxFileBytes + 1];
            var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (length > MaxFileBytes)
            {
                errors.Add($"{name} {full}: the file is larger than {MaxFileBytes} bytes; a key is {MinBytes} or more random bytes or twice as many hex digits");
                return options;
            }

            bytes = buffer[..length];
        }
        catch (FileNotFoundException)
        {
            errors.Add($"{name} {full}: the file does not exist; write the key there (openssl rand -hex 32) or choose another source");
            return options;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{name} {full}: {e.Message}");
            return options;
        }

        var text = Encoding.ASCII.GetString(bytes).Trim();
        if (text.Length > 0 && text.All(c => char.IsAsciiHexDigit(c) || c is '\n' or '\r'))
        {
            var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length > 2)
            {
                errors.Add($"{name} {full}: {lines.Length} lines of hex; the file holds one key, or two (the current key, then the next one of a rollover)");
                return options;
            }

            var keys = new List<byte[]>();
            foreach (var line in lines)
            {
                if (line.Length % 2 != 0 || line.Length < 2 * MinBytes)
                {
                    errors.Add($"{name} {full}: {line.Length} hex digits; a hex key needs an even number of at least {2 * MinBytes}");
                    return options;
                }

                keys.Add(Convert.FromHexString(line));
            }

            return keys.Count == 2 ? options with { NetworkKey = keys[0], NextNetworkKey = keys[1] } : options with { NetworkKey = keys[0] };
        }

        if (bytes.Length < MinBytes)
        {
            errors.Add($"{name} {full}: the key is {bytes.Length} bytes; use at least {MinBytes} random bytes or {2 * MinBytes} hex digits");
            return options;
        }

        return options with { NetworkKey = bytes };
    }
}
