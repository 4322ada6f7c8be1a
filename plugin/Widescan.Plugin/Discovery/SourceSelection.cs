using System.Net;
using System.Net.Sockets;
using System.Text;
using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// The address probes leave from. A keyed probe's MAC covers its source, so the writer must know it
/// before the kernel sends: the raw socket is bound to <see cref="WidescanOptions.SourceAddress"/>, or
/// else to the source the kernel itself prefers for the first target (RFC 6724 selection, asked by
/// connecting a UDP socket, which sends nothing).
/// </summary>
internal static class SourceSelection
{
    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;

    /// <summary>
    /// The kernel's preferred source towards <paramref name="destination"/> (through
    /// <paramref name="interfaceName"/> when given), in the calling thread's network namespace; null
    /// when it has none (no route, no usable address).
    /// </summary>
    public static UInt128? Preferred(UInt128 destination, string? interfaceName)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            if (interfaceName is not null)
                socket.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.ASCII.GetBytes(interfaceName + "\0"));
            socket.Connect(new IPEndPoint(Ipv6Address.ToIPAddress(destination), 9));
            return socket.LocalEndPoint is IPEndPoint local && !local.Address.Equals(IPAddress.IPv6Any)
                ? Ipv6Address.FromIPAddress(local.Address)
                : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>
    /// The source for a run: the options' source address, else the preferred source for the first
    /// target. Keyed runs need one (the MAC covers it); an unkeyed run without one stays unbound.
    /// </summary>
    /// <exception cref="InvalidOperationException">A keyed run and the kernel has no source for the first target.</exception>
    public static UInt128? ForRun(WidescanOptions options)
    {
        if (options.SourceAddress is { } given)
            return given;
        if (Targets.TargetHint.First(options.Targets) is not { } first)
            return null;
        var preferred = Preferred(first.Network, options.Interface);
        if (preferred is null && !options.NetworkKey.IsEmpty)
            throw new InvalidOperationException(
                $"no source address towards {first}: a keyed probe's MAC covers its source, so the kernel must have a route and an address for it; set {nameof(WidescanOptions.SourceAddress)}");
        return preferred;
    }

    /// <summary>
    /// The source of a dry run's packets: the options' source address, else the kernel's preferred
    /// source for the first target (asked as for a real run: nothing is sent).
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither: the message names the option to set.</exception>
    public static UInt128 ForDryRun(WidescanOptions options)
    {
        if (options.SourceAddress is { } given)
            return given;
        if (Targets.TargetHint.First(options.Targets) is not { } first)
            throw new InvalidOperationException("a dry run needs targets");
        return Preferred(first.Network, options.Interface)
            ?? throw new InvalidOperationException(
                $"no source address for the dry run: the kernel has no route or no address towards {first}, and a dry run writes whole IPv6 packets, source included; set {nameof(WidescanOptions.SourceAddress)}");
    }
}
