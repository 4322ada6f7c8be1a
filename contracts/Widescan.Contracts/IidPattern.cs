using System.ComponentModel;
using System.Globalization;

namespace Widescan.Contracts;

/// <summary>How a window scan fills the interface-identifier bits [SubnetBits, 128) of each subnet.</summary>
public enum IidPatternKind
{
    /// <summary>One fixed identifier per subnet, such as ::1.</summary>
    Fixed,

    /// <summary>Every identifier from First to Last (the low bits), such as 1 to ff.</summary>
    LowRange,

    /// <summary>One identifier per subnet drawn from the seed: stable for a seed, different per subnet.</summary>
    Random,

    /// <summary>Modified EUI-64 identifiers (RFC 4291 Appendix A) of the given vendor OUIs: 2^24 per OUI.</summary>
    Eui64,

    /// <summary>Every IPv4 address of an IPv4 prefix in the low 32 bits.</summary>
    Ipv4Embedded,

    /// <summary>
    /// The rendezvous addresses of a network (docs/rendezvous.md): slots 0 to S-1 of each /64, keyed
    /// by the network's secret, where its members claim an address so that one probe per /64 and slot finds them.
    /// </summary>
    Rendezvous,
}

/// <summary>
/// The interface-identifier pattern of a window scan (see <see cref="TargetSpec.SubnetBits"/>).
/// Parse the command-line forms with <see cref="Parse"/>: <c>::1</c>, <c>low:1-ff</c>, <c>random</c>,
/// <c>eui64:00:50:56[,00:0c:29]</c>, <c>ipv4:192.0.2.0/24</c>; a rendezvous pattern holds a secret its
/// text does not show, so it is built with <see cref="Rendezvous(ReadOnlySpan{byte}, int)"/> or parsed
/// back with <see cref="ParseRendezvous"/>.
/// </summary>
[TypeConverter(typeof(IidPatternConverter))]
public sealed partial record IidPattern
{
    private IidPattern(IidPatternKind kind) => Kind = kind;

    /// <summary>Which pattern this is.</summary>
    public IidPatternKind Kind { get; }

    /// <summary>Fixed: the identifier. LowRange: the first identifier.</summary>
    public UInt128 First { get; private init; }

    /// <summary>LowRange: the last identifier (inclusive). Otherwise equal to <see cref="First"/>.</summary>
    public UInt128 Last { get; private init; }

    /// <summary>Eui64: the 24-bit vendor OUIs, as written (the universal/local bit not yet inverted).</summary>
    public IReadOnlyList<uint> Ouis { get; private init; } = [];

    /// <summary>Ipv4Embedded: the IPv4 network (host bits zero) and its length.</summary>
    public uint Ipv4Network { get; private init; }

    /// <summary>Ipv4Embedded: the length of the IPv4 prefix (0 to 32).</summary>
    public int Ipv4Length { get; private init; }

    /// <summary>One fixed identifier per subnet.</summary>
    public static IidPattern Fixed(UInt128 iid) => new(IidPatternKind.Fixed) { First = iid, Last = iid };

    /// <summary>Every identifier from first to last, inclusive.</summary>
    /// <exception cref="ArgumentException">last is below first.</exception>
    public static IidPattern LowRange(UInt128 first, UInt128 last) => last < first
        ? throw new ArgumentException($"IID range {first:x}-{last:x} ends before it starts")
        : new IidPattern(IidPatternKind.LowRange) { First = first, Last = last };

    /// <summary>One keyed pseudo-random identifier per subnet.</summary>
    public static IidPattern Random() => new(IidPatternKind.Random);

    /// <summary>Modified EUI-64 identifiers of the given 24-bit OUIs.</summary>
    /// <exception cref="ArgumentException">No OUI, or one wider than 24 bits.</exception>
    public static IidPattern Eui64(IEnumerable<uint> ouis)
    {
        var list = ouis.Distinct().ToArray();
        if (list.Length == 0)
            throw new ArgumentException("an EUI-64 pattern needs at least one OUI");
        if (list.Any(o => o > 0xFFFFFF))
            throw new ArgumentException("an OUI has 24 bits");
        return new IidPattern(IidPatternKind.Eui64) { Ouis = list };
    }

    /// <summary>Every IPv4 address of network/length in the low 32 bits.</summary>
    /// <exception cref="ArgumentException">A length over 32, or host bits set.</exception>
    public static IidPattern Ipv4Embedded(uint network, int length)
    {
        if (length is < 0 or > 32)
            throw new ArgumentException($"IPv4 length {length} out of range (0-32)");
        var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
        if ((network & ~mask) != 0)
            throw new ArgumentException("the IPv4 prefix has host bits set");
        return new IidPattern(IidPatternKind.Ipv4Embedded) { Ipv4Network = network, Ipv4Length = length };
    }

    /// <summary>How many identifiers the pattern yields in each subnet.</summary>
    public UInt128 CountPerSubnet => Kind switch
    {
        IidPatternKind.LowRange => Last - First + 1,
        IidPatternKind.Eui64 => (UInt128)(uint)Ouis.Count << 24,
        IidPatternKind.Ipv4Embedded => UInt128.One << (32 - Ipv4Length),
        IidPatternKind.Rendezvous => (UInt128)(uint)(RendezvousSlots * (RendezvousNextSecret.IsEmpty ? 1 : 2)),
        _ => UInt128.One,
    };

    /// <summary>The fewest identifier bits the pattern needs, so that SubnetBits can be checked against it.</summary>
    public int RequiredBits => Kind switch
    {
        IidPatternKind.Fixed or IidPatternKind.LowRange => 128 - (int)UInt128.LeadingZeroCount(Last),
        IidPatternKind.Eui64 or IidPatternKind.Rendezvous => 64,
        IidPatternKind.Ipv4Embedded => 32,
        _ => 0,
    };

    /// <summary>Parses a command-line form (see the type's summary).</summary>
    /// <exception cref="FormatException">The text is not one of the forms; the message shows them.</exception>
    public static IidPattern Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return ParseCore(text.Trim());
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"IID pattern '{text}': {e.Message}", e);
        }
    }

    private static IidPattern ParseCore(string text)
    {
        if (IsRendezvousText(text))
            throw new FormatException(RendezvousTextHasNoSecret);
        if (text.Equals("random", StringComparison.OrdinalIgnoreCase))
            return Random();
        if (text.StartsWith("low:", StringComparison.OrdinalIgnoreCase))
        {
            var range = text[4..].Split('-');
            if (range.Length != 2 || !TryHex(range[0], out var first) || !TryHex(range[1], out var last))
                throw new FormatException($"IID pattern '{text}' is not low:FIRST-LAST in hex (for example low:1-ff)");
            return LowRange(first, last);
        }

        if (text.StartsWith("eui64:", StringComparison.OrdinalIgnoreCase))
        {
            var ouis = new List<uint>();
            foreach (var oui in text[6..].Split(','))
            {
                var hex = oui.Replace(":", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
                if (hex.Length != 6 || !uint.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
                    throw new FormatException($"'{oui}' is not an OUI of three bytes (for example 00:50:56)");
                ouis.Add(value);
            }

            return Eui64(ouis);
        }

        if (text.StartsWith("ipv4:", StringComparison.OrdinalIgnoreCase))
        {
            var parts = text[5..].Split('/');
            if (parts.Length is < 1 or > 2
                || !System.Net.IPAddress.TryParse(parts[0], out var ip)
                || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
                || parts[0].Count(c => c == '.') != 3)
                throw new FormatException($"'{text}' is not ipv4:A.B.C.D/LEN (for example ipv4:192.0.2.0/24)");
            var length = 32;
            if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > 32))
                throw new FormatException($"'{text}': the IPv4 length must be 0 to 32");
            Span<byte> b = stackalloc byte[4];
            ip.TryWriteBytes(b, out _);
            return Ipv4Embedded(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b), length);
        }

        if (Ipv6Address.TryParse(text, out var iid))
            return Fixed(iid);
        throw new FormatException(
            $"IID pattern '{text}' is not one of ::1, low:1-ff, random, eui64:00:50:56, ipv4:192.0.2.0/24, rendezvous");
    }

    private static bool TryHex(string text, out UInt128 value) =>
        UInt128.TryParse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text,
            NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);

    /// <summary>The command-line form of the pattern.</summary>
    public override string ToString() => Kind switch
    {
        IidPatternKind.Fixed => Ipv6Address.Format(First),
        IidPatternKind.LowRange => $"low:{First:x}-{Last:x}",
        IidPatternKind.Random => "random",
        IidPatternKind.Rendezvous => RendezvousText(),
        IidPatternKind.Eui64 => "eui64:" + string.Join(',', Ouis.Select(o =>
            $"{o >> 16:x2}:{(o >> 8) & 0xff:x2}:{o & 0xff:x2}")),
        _ => $"ipv4:{Ipv4Network >> 24}.{(Ipv4Network >> 16) & 0xff}.{(Ipv4Network >> 8) & 0xff}.{Ipv4Network & 0xff}/{Ipv4Length}",
    };

    /// <inheritdoc />
    public bool Equals(IidPattern? other) => other is not null && Kind == other.Kind && First == other.First
        && Last == other.Last && Ouis.SequenceEqual(other.Ouis) && Ipv4Network == other.Ipv4Network
        && Ipv4Length == other.Ipv4Length && RendezvousSlots == other.RendezvousSlots
        && RendezvousSecret.Span.SequenceEqual(other.RendezvousSecret.Span)
        && RendezvousNextSecret.Span.SequenceEqual(other.RendezvousNextSecret.Span);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, First, Last, Ouis.Count, Ipv4Network, Ipv4Length, KeyId);
}
