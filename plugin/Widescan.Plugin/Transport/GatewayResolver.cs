using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Transport;

/// <summary>
/// Finds the MAC of the layer-2 path's gateway: from the kernel's neighbour table, else by a Neighbor
/// Solicitation of our own on a packet socket, reading the advertisement that answers it there (the
/// kernel ignores an NA it did not ask for, so waiting on its table alone would never see it), while
/// still polling the table. Nothing goes to any address but the gateway's solicited-node group, at
/// most <see cref="Attempts"/> solicitations, and it gives up after the timeout. Runs in the calling
/// thread's network namespace.
/// </summary>
internal static unsafe class GatewayResolver
{
    /// <summary>Solicitations sent at most, spread over the timeout (RFC 4861's MAX_MULTICAST_SOLICIT).</summary>
    public const int Attempts = 3;

    /// <summary>How the MAC was learned.</summary>
    internal enum Source
    {
        /// <summary>The kernel's neighbour table held it.</summary>
        NeighbourTable,

        /// <summary>The gateway answered our solicitation.</summary>
        Solicitation,
    }

    /// <summary>
    /// The gateway's MAC and how it was learned, or null when the table lacks it and no advertisement
    /// came within <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="MissingCapabilityException">No CAP_NET_RAW.</exception>
    /// <exception cref="IOException">No such interface, not Ethernet, or netlink failed.</exception>
    public static (ulong Mac, Source How)? Resolve(string interfaceName, UInt128 gateway, UInt128 source, TimeSpan timeout, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var index = PacketSocket.InterfaceIndex(interfaceName);
        if (NeighbourTable.MacOf(gateway, index) is { } known)
            return (known, Source.NeighbourTable);

        var fd = PacketSocket.Open(interfaceName, out var ownMac);
        try
        {
            Span<byte> solicitation = stackalloc byte[NeighborDiscovery.SolicitationFrameLength];
            NeighborDiscovery.WriteSolicitation(solicitation, gateway, source, ownMac);
            var frame = new byte[2048];
            var started = time.GetTimestamp();
            var spacing = timeout / Attempts;
            var sent = 0;
            while (time.GetElapsedTime(started) is var elapsed && elapsed < timeout)
            {
                if (sent < Attempts && elapsed >= spacing * sent)
                {
                    fixed (byte* p = solicitation)
                        _ = LibC.send(fd, p, (nuint)solicitation.Length, 0); // a lost send is retried by the next attempt
                    sent++;
                }

                var wait = Math.Clamp((int)Math.Ceiling(Math.Min((spacing * sent - elapsed).TotalMilliseconds, (timeout - elapsed).TotalMilliseconds)), 1, 100);
                var poll = new PollFd { Fd = fd, Events = LibC.POLLIN };
                if (LibC.poll(&poll, 1, wait) > 0)
                {
                    fixed (byte* p = frame)
                    {
                        // Drain what came: every IPv6 frame on the link is seen here, not only the answer.
                        nint n;
                        while ((n = LibC.recv(fd, p, (nuint)frame.Length, LibC.MSG_DONTWAIT)) > 0)
                        {
                            if (NeighborDiscovery.AdvertisedMac(frame.AsSpan(0, (int)n), gateway) is { } answered)
                                return (answered, Source.Solicitation);
                        }
                    }
                }

                if (NeighbourTable.MacOf(gateway, index) is { } learned)
                    return (learned, Source.NeighbourTable);
            }

            return null;
        }
        finally
        {
            RawIcmpv6Socket.Close(fd);
        }
    }
}
