using System.Buffers.Binary;
using System.ComponentModel;
using System.Globalization;
using System.Security.Cryptography;

namespace Widescan.Contracts;

/// <summary>The 16-byte identity of a Widescan node, written as 32 hex digits.</summary>
/// <param name="Value">The identity; byte 0 of the wire form is the most significant.</param>
[TypeConverter(typeof(NodeIdConverter))]
public readonly record struct NodeId(UInt128 Value)
{
    /// <summary>A new random identity.</summary>
    public static NodeId NewRandom()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return new NodeId(BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    /// <summary>Parses 32 hex digits (dashes allowed between them).</summary>
    /// <exception cref="FormatException">Not 32 hex digits.</exception>
    public static NodeId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hex = text.Replace("-", "", StringComparison.Ordinal);
        if (hex.Length != 32 || !UInt128.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            throw new FormatException($"node id '{text}' is not 32 hex digits");
        return new NodeId(value);
    }

    /// <summary>32 lower-case hex digits.</summary>
    public override string ToString() => Value.ToString("x32", CultureInfo.InvariantCulture);
}
