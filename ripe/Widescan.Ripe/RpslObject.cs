using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Widescan.Ripe;

/// <summary>
/// One RPSL object as a reusable list of attributes: <see cref="RpslReader"/> refills the same instance
/// for every object, so reading a dump allocates nothing per object. Read it before the next
/// <see cref="RpslReader.Read"/>.
/// </summary>
/// <remarks>
/// Attribute names are stored in lower case. Values are trimmed, lose their end-of-line <c>#</c> comment
/// (RFC 2622 section 2) and have their continuation lines appended after one space. Each line is
/// decoded as UTF-8 when it is valid UTF-8 and as Latin-1 otherwise, since old RIPE objects hold both.
/// </remarks>
public sealed class RpslObject
{
    /// <summary>The most characters one object may hold; a longer one is reported and not kept.</summary>
    public const int MaxChars = 4 << 20;

    /// <summary>The most attributes one object may hold.</summary>
    public const int MaxAttributes = 1 << 16;

    private char[] chars = new char[4096];
    private Attribute[] attributes = new Attribute[64];
    private int used;

    // Only the reader fills objects: a host gets them from RpslReader.Current.
    internal RpslObject()
    {
    }

    /// <summary>The number of attributes read.</summary>
    public int Count { get; private set; }

    /// <summary>The 1-based line where the object starts.</summary>
    public int StartLine { get; private set; }

    /// <summary>The first syntax problem found in the object, or null; a malformed object is reported, not used.</summary>
    public string? Error { get; private set; }

    /// <summary>The line of <see cref="Error"/>.</summary>
    public int ErrorLine { get; private set; }

    /// <summary>Whether nothing has been read into the object yet (no attribute, no error).</summary>
    public bool IsEmpty => Count == 0 && Error is null;

    /// <summary>The class of the object: the name of its first attribute ("inet6num", "route6", ...).</summary>
    public ReadOnlySpan<char> Class => Count == 0 ? [] : Name(0);

    /// <summary>The primary key: the value of the first attribute.</summary>
    public ReadOnlySpan<char> Key => Count == 0 ? [] : Value(0);

    /// <summary>The lower-case name of attribute <paramref name="index"/>.</summary>
    public ReadOnlySpan<char> Name(int index)
    {
        ref readonly var a = ref attributes[CheckIndex(index)];
        return chars.AsSpan(a.NameStart, a.NameLength);
    }

    /// <summary>The value of attribute <paramref name="index"/>, continuation lines included.</summary>
    public ReadOnlySpan<char> Value(int index)
    {
        ref readonly var a = ref attributes[CheckIndex(index)];
        return chars.AsSpan(a.ValueStart, a.ValueLength);
    }

    /// <summary>The line on which attribute <paramref name="index"/> starts.</summary>
    public int Line(int index) => attributes[CheckIndex(index)].Line;

    /// <summary>The index of the first attribute named <paramref name="name"/> (lower case) at or after <paramref name="start"/>, or -1.</summary>
    public int IndexOf(ReadOnlySpan<char> name, int start = 0)
    {
        for (var i = start; i < Count; i++)
        {
            if (Name(i).SequenceEqual(name))
                return i;
        }

        return -1;
    }

    /// <summary>The value of the first attribute named <paramref name="name"/> (lower case).</summary>
    public bool TryGet(ReadOnlySpan<char> name, out ReadOnlySpan<char> value)
    {
        var i = IndexOf(name);
        value = i < 0 ? [] : Value(i);
        return i >= 0;
    }

    /// <summary>The text of the object as name: value lines, for messages and tests.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Count; i++)
            text.Append(Name(i)).Append(": ").Append(Value(i)).Append('\n');
        return text.ToString();
    }

    internal void Reset()
    {
        Count = 0;
        used = 0;
        Error = null;
        ErrorLine = 0;
        StartLine = 0;
    }

    internal void Begin(int line)
    {
        if (IsEmpty)
            StartLine = line;
    }

    /// <summary>Records the first problem only: later ones are usually consequences of it.</summary>
    internal void Fail(int line, string message)
    {
        if (Error is not null)
            return;
        Error = message;
        ErrorLine = line;
    }

    /// <summary>Adds "name: value" from raw line bytes; the name must be ASCII letters, digits, '-' or '_'.</summary>
    internal void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int line)
    {
        if (Error is not null)
            return;
        if (Count == MaxAttributes || used + name.Length + value.Length > MaxChars)
        {
            Fail(line, $"object starting at line {StartLine} is larger than {MaxAttributes} attributes or {MaxChars} characters");
            return;
        }

        if (Count == attributes.Length)
            Array.Resize(ref attributes, attributes.Length * 2);
        EnsureRoom(name.Length + value.Length);

        var nameStart = used;
        Ascii.ToLower(name, chars.AsSpan(used), out var nameLength);
        used += nameLength;
        var valueStart = used;
        used += Decode(Clean(value), chars.AsSpan(used));
        attributes[Count++] = new Attribute(nameStart, nameLength, valueStart, used - valueStart, line);
    }

    /// <summary>Appends a continuation line to the last attribute's value, separated by one space.</summary>
    internal void Continue(ReadOnlySpan<byte> content, int line)
    {
        if (Error is not null)
            return;
        content = Clean(content);
        if (content.IsEmpty)
            return;
        if (used + content.Length + 1 > MaxChars)
        {
            Fail(line, $"object starting at line {StartLine} is larger than {MaxChars} characters");
            return;
        }

        EnsureRoom(content.Length + 1);
        ref var last = ref attributes[Count - 1];
        if (last.ValueLength > 0)
            chars[used++] = ' ';
        used += Decode(content, chars.AsSpan(used));
        last.ValueLength = used - last.ValueStart;
    }

    private static ReadOnlySpan<byte> Clean(ReadOnlySpan<byte> value)
    {
        // '#' is ASCII and never part of a UTF-8 sequence, so the comment can be cut before decoding.
        var hash = value.IndexOf((byte)'#');
        if (hash >= 0)
            value = value[..hash];
        return value.Trim(" \t"u8);
    }

    private static int Decode(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        if (Utf8.ToUtf16(bytes, destination, out _, out var written, replaceInvalidSequences: false) == OperationStatus.Done)
            return written;
        return Encoding.Latin1.GetChars(bytes, destination);
    }

    // UTF-8 and Latin-1 both give at most one char per byte, so the byte count bounds the room needed.
    private void EnsureRoom(int bytes)
    {
        if (used + bytes > chars.Length)
            Array.Resize(ref chars, Math.Min(MaxChars, Math.Max(chars.Length * 2, used + bytes)));
    }

    private int CheckIndex(int index) =>
        (uint)index < (uint)Count ? index : throw new ArgumentOutOfRangeException(nameof(index), index, $"the object has {Count} attributes");

    private struct Attribute(int nameStart, int nameLength, int valueStart, int valueLength, int line)
    {
        public readonly int NameStart = nameStart;
        public readonly int NameLength = nameLength;
        public readonly int ValueStart = valueStart;
        public int ValueLength = valueLength;
        public readonly int Line = line;
    }
}
