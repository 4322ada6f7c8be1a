using System.Security.Cryptography;
using Serilog;
using Widescan.Contracts;
using Widescan.Plugin.Targets;
using Widescan.Plugin.Transport;
using Widescan.Plugin.Transport.Native;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// Claims this node's rendezvous addresses (docs/rendezvous.md) while the listener runs: in each /64
/// (<see cref="RendezvousLinks"/>) and under each key (the network key and, during a rollover, the
/// next one; or the network's name), the lowest slot that Duplicate Address Detection finds free, added
/// over rtnetlink with a finite valid lifetime and a preferred lifetime of 0 (RFC 6724 rule 3: the
/// host never picks it as the source of its own traffic, which would make it a tracking handle; probes
/// to it are still answered from it). Refreshed every third of the lifetime, removed on a clean stop;
/// a killed listener's address expires with its lifetime. Without CAP_NET_ADMIN, or when the kernel
/// refuses, one line says so and the listener goes on at its ordinary addresses.
/// </summary>
/// <remarks>
/// Started on the listener's namespace thread: the netlink and packet sockets live in that namespace,
/// and the refresh thread uses the netlink socket from there. Claims are driven together by one loop
/// (<see cref="RendezvousSlots"/> holds each one's state), so N /64s take one DAD time, not N.
/// </remarks>
internal sealed class RendezvousClaim : IDisposable
{
    /// <summary>The longest the start waits for every claim to settle (DAD, retries after collisions).</summary>
    internal static TimeSpan SettleLimit { get; set; } = TimeSpan.FromSeconds(30);

    private readonly AddressNetlink _netlink;
    private readonly ILogger _log;
    private readonly uint _lifetime;
    private readonly List<(RendezvousLink Link, UInt128 Address)> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private Thread? _refresher;

    private RendezvousClaim(AddressNetlink netlink, ILogger log, uint lifetime)
    {
        _netlink = netlink;
        _log = log;
        _lifetime = lifetime;
    }

    /// <summary>The addresses claimed (the listener answers at them as at its others).</summary>
    public IReadOnlyList<UInt128> Addresses => [.. _held.Select(h => h.Address)];

    /// <summary>
    /// Claims on the calling thread (blocking while DAD runs) and starts the refresh; null when
    /// <see cref="RendezvousOptions.Enabled"/> is off or nothing could be claimed (logged).
    /// </summary>
    public static RendezvousClaim? Start(DiscoverySession session, string? interfaceName)
    {
        var options = session.Options;
        var rendezvous = options.Rendezvous;
        if (!rendezvous.Enabled)
            return null;
        var log = DiscoveryLog.For(session);
        var keys = Keys(options, log);
        var (links, unheld) = RendezvousLinks.Find(interfaceName, rendezvous.Prefixes);
        foreach (var sentence in unheld)
            log.Warning("Rendezvous: {Problem}", sentence);
        if (links.Count == 0)
        {
            log.Warning("Rendezvous: no global /64 on {Where} to claim an address in; the listener answers at its ordinary addresses", interfaceName ?? "any interface");
            return null;
        }

        foreach (var name in links.Select(l => l.Interface).Distinct())
        {
            if (DadOff(name))
                log.Warning("Rendezvous: duplicate address detection is off on {Interface} (accept_dad 0), so a member already holding a slot is not noticed and two may answer at one address; set net.ipv6.conf.{Interface}.accept_dad=1", name, name);
        }

        AddressNetlink netlink;
        try
        {
            netlink = new AddressNetlink();
        }
        catch (IOException e)
        {
            log.Warning("Rendezvous: {Reason}; no rendezvous address is claimed (print them with `widescan rendezvous` to configure one statically); the listener answers at its ordinary addresses", e.Message);
            return null;
        }

        var lifetime = (uint)Math.Ceiling(rendezvous.Lifetime.TotalSeconds);
        var claim = new RendezvousClaim(netlink, log, lifetime);
        try
        {
            var slots = new RendezvousSlots(netlink, log, rendezvous.Slots, lifetime, session.Time);
            foreach (var link in links)
            {
                foreach (var key in keys)
                    slots.Add(link, key.K0, key.K1, key.Id);
            }

            foreach (var (link, address) in slots.Settle(SettleLimit))
                claim._held.Add((link, address));
        }
        catch (Exception e) when (e is IOException)
        {
            log.Warning("Rendezvous: {Reason}; the listener answers at its ordinary addresses", e.Message);
        }

        if (claim._held.Count == 0)
        {
            claim.Dispose();
            return null;
        }

        claim.StartRefresh();
        return claim;
    }

    /// <summary>The keys claimed under, with the id the log shows (never the secret): the network key and the next one, or the name.</summary>
    private static List<(ulong K0, ulong K1, string Id)> Keys(WidescanOptions options, ILogger log)
    {
        var keys = new List<(ulong, ulong, string)>();
        if (!options.NetworkKey.IsEmpty)
        {
            keys.Add(Derive(options.NetworkKey.Span));
            if (!options.NextNetworkKey.IsEmpty)
                keys.Add(Derive(options.NextNetworkKey.Span));
        }
        else if (options.NetworkName is { } name)
        {
            log.Warning("Rendezvous: the network is named, not keyed, so its rendezvous addresses are public: anyone who knows the name {Name} can compute them and find this node", name);
            keys.Add(Derive(System.Text.Encoding.UTF8.GetBytes(name)));
        }

        return keys;
    }

    private static (ulong, ulong, string) Derive(ReadOnlySpan<byte> ikm)
    {
        var secret = RendezvousIid.Secret(ikm);
        var (k0, k1) = RendezvousIid.Keys(secret);
        var id = Convert.ToHexStringLower(SHA256.HashData(secret).AsSpan(0, 4));
        CryptographicOperations.ZeroMemory(secret);
        return (k0, k1, id);
    }

    /// <summary>Whether DAD is off on the interface: the kernel skips it when both "all" and the interface say accept_dad 0.</summary>
    private static bool DadOff(string interfaceName)
    {
        static int? Read(string name)
        {
            try
            {
                return int.Parse(File.ReadAllText($"/proc/sys/net/ipv6/conf/{name}/accept_dad").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                return null;
            }
        }

        return Read("all") is 0 && Read(interfaceName) is 0;
    }

    private void StartRefresh()
    {
        var interval = TimeSpan.FromSeconds(_lifetime / 3.0);
        _refresher = new Thread(() =>
        {
            var failed = new HashSet<UInt128>();
            while (!_stop.Token.WaitHandle.WaitOne(interval))
            {
                foreach (var (link, address) in _held)
                {
                    // Renewed in place; an address someone removed is added again (its DAD runs again).
                    var errno = _netlink.Add(link.Index, address, _lifetime, 0, replace: true);
                    if (errno != 0 && failed.Add(address))
                        _log.Warning("Rendezvous: cannot renew {Address} on {Interface}: {Reason}; it expires {Lifetime} s after its last renewal",
                            Ipv6Address.Format(address), link.Interface, LibC.Describe(errno), _lifetime);
                    else if (errno == 0)
                        failed.Remove(address);
                }
            }
        })
        { IsBackground = true, Name = "widescan-rendezvous" };
        _refresher.Start();
    }

    /// <summary>Stops the refresh and removes every claimed address (a clean stop leaves nothing behind).</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
            return;
        _stop.Cancel();
        _refresher?.Join(TimeSpan.FromSeconds(5));
        foreach (var (link, address) in _held)
        {
            var errno = _netlink.Delete(link.Index, address);
            if (errno == 0)
                _log.Information("Rendezvous: removed {Address} from {Interface}", Ipv6Address.Format(address), link.Interface);
            else
                _log.Warning("Rendezvous: cannot remove {Address} from {Interface}: {Reason}; it expires within {Lifetime} s", Ipv6Address.Format(address), link.Interface, LibC.Describe(errno), _lifetime);
        }

        _held.Clear();
        _netlink.Dispose();
        _stop.Dispose();
    }
}
