namespace Widescan.Plugin.Targets;

/// <summary>Modified EUI-64 interface identifiers from a MAC address (RFC 4291 Appendix A).</summary>
internal static class Eui64
{
    /// <summary>The universal/local bit of the first octet (0x02), inverted in a modified EUI-64.</summary>
    public const uint UniversalLocalBit = 0x02_0000;

    /// <summary>
    /// The identifier of the MAC address oui:nic: the OUI with its universal/local bit inverted, then
    /// ff:fe, then the 24 device bits, as RFC 4291 Appendix A builds it from an IEEE 48-bit MAC.
    /// </summary>
    public static ulong FromOui(uint oui, uint nic) =>
        ((ulong)(oui ^ UniversalLocalBit) << 40) | (0xFFFEUL << 24) | (nic & 0xFF_FFFF);
}
