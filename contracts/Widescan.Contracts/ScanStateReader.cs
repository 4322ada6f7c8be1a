using System.Text;
using System.Text.Json;

namespace Widescan.Contracts;

/// <summary>
/// Reads a <see cref="ScanState"/> field by field, so a hostile or damaged file gets a message that
/// names the field and what is wrong with it, never a serializer's exception from deep inside.
/// </summary>
internal static class ScanStateReader
{
    public static ScanState Read(string path, int maxBytes)
    {
        var bytes = ReadBounded(path, maxBytes);
        var where = $"state file {path}";
        if (bytes.AsSpan().IndexOf((byte)0) >= 0)
            throw new InvalidDataException($"{where}: not a text file (it holds NUL bytes; a binary file?)");
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"{where}: not UTF-8 text (a binary file?)");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: not a Widescan state file: not JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{where}: not a Widescan state file: not a JSON object");
            var fields = new Fields(root, where);
            var version = fields.Int("version", required: true)!.Value;
            if (version != 1)
                throw new InvalidDataException($"{where}: version {version} is not one this Widescan reads (it reads version 1)");
            var shard = fields.Text("shard", required: false) ?? "0/1";
            try
            {
                _ = ShardSpec.Parse(shard);
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"{where}: field 'shard': {e.Message}");
            }

            var subnetBits = fields.Int("subnetBits", required: false);
            if (subnetBits is < 1 or > 128)
                throw new InvalidDataException($"{where}: field 'subnetBits' is {subnetBits}; it must be 1 to 128");
            // A scan of address lists has no include prefix; its fingerprint says what it scanned.
            var targetsFingerprint = fields.Text("targetsFingerprint", required: false);
            var planFingerprint = fields.Text("planFingerprint", required: false);
            if (planFingerprint is not null && !PlanFingerprint.IsWellFormed(planFingerprint))
                throw new InvalidDataException($"{where}: field 'planFingerprint' is '{InputText.Excerpt(planFingerprint)}'; it must be {PlanFingerprint.Length} lowercase hex digits");
            var cursor = fields.Unsigned("cursor");
            var positions = fields.Unsigned("positions");
            if (cursor > positions)
                throw new InvalidDataException($"{where}: field 'cursor' ({cursor}) is past field 'positions' ({positions})");
            return new ScanState
            {
                Version = version,
                PlanFingerprint = planFingerprint,
                Include = fields.Texts("include", required: targetsFingerprint is null),
                Exclude = fields.Texts("exclude", required: false),
                TargetFiles = fields.Texts("targetFiles", required: false),
                TargetsFingerprint = targetsFingerprint,
                SubnetBits = subnetBits,
                Iid = fields.Text("iid", required: false),
                Seed = fields.Unsigned("seed"),
                Shard = shard,
                AllowReserved = fields.Flag("allowReserved"),
                Cursor = cursor,
                Positions = positions,
                SavedAt = fields.Time("savedAt"),
            };
        }
    }

    private static byte[] ReadBounded(string path, int maxBytes)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        if (file.CanSeek && file.Length > maxBytes)
            throw new InvalidDataException($"state file {path}: {file.Length} bytes; a state file is at most {maxBytes} (not a Widescan state file?)");

        // Read at most one byte more than allowed, so a FIFO or a device cannot make this read forever.
        var buffer = new byte[Math.Min(maxBytes + 1L, file.CanSeek ? file.Length + 1 : maxBytes + 1L)];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = file.Read(buffer, length, buffer.Length - length)) > 0)
            length += read;
        if (length > maxBytes)
            throw new InvalidDataException($"state file {path}: more than {maxBytes} bytes; a state file is at most that (not a Widescan state file?)");
        return buffer[..length];
    }

    /// <summary>The fields of the root object, each read with its own check.</summary>
    private readonly struct Fields(JsonElement root, string where)
    {
        public int? Int(string name, bool required)
        {
            if (!Get(name, required, out var value) || value.ValueKind == JsonValueKind.Null && !required)
                return null;
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : throw Wrong(name, "a whole number", value);
        }

        public ulong Unsigned(string name)
        {
            Get(name, required: true, out var value);
            if (value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var n))
                return n;
            if (value.ValueKind == JsonValueKind.Number)
                throw new InvalidDataException($"{where}: field '{name}' is {value.GetRawText()}; it must be a whole number from 0 to {ulong.MaxValue}");
            throw Wrong(name, "a whole number", value);
        }

        public string? Text(string name, bool required)
        {
            if (!Get(name, required, out var value) || value.ValueKind == JsonValueKind.Null && !required)
                return null;
            return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Wrong(name, "a string", value);
        }

        public string[] Texts(string name, bool required)
        {
            if (!Get(name, required, out var value))
                return [];
            if (value.ValueKind != JsonValueKind.Array)
                throw Wrong(name, "an array of strings", value);
            var texts = new string[value.GetArrayLength()];
            var i = 0;
            foreach (var item in value.EnumerateArray())
                texts[i++] = item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Wrong($"{name}[{i}]", "a string", item);
            if (required && texts.Length == 0)
                throw new InvalidDataException($"{where}: field '{name}' is empty; a scan has at least one prefix");
            return texts;
        }

        public bool Flag(string name)
        {
            if (!Get(name, required: false, out var value))
                return false;
            return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw Wrong(name, "true or false", value);
        }

        public DateTimeOffset Time(string name)
        {
            if (!Get(name, required: false, out var value))
                return default;
            return value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time) ? time : throw Wrong(name, "a date and time (ISO 8601)", value);
        }

        private bool Get(string name, bool required, out JsonElement value)
        {
            if (root.TryGetProperty(name, out value))
                return true;
            return required ? throw new InvalidDataException($"{where}: field '{name}' is missing") : false;
        }

        private InvalidDataException Wrong(string name, string expected, JsonElement value) =>
            new($"{where}: field '{name}' is {Kind(value)}; it must be {expected}");

        private static string Kind(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => $"the number {value.GetRawText()}",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => value.ValueKind.ToString(),
        };
    }
}
