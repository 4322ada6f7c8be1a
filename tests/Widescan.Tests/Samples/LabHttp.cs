using System.Net;
using System.Net.Sockets;
using Widescan.Plugin.Transport;

namespace Widescan.Tests.Samples;

/// <summary>
/// HTTP (and WebSocket) from the test into a lab namespace: every connection's socket is created on a
/// thread inside the namespace (a socket belongs to the namespace it was made in), so the test reaches
/// the server's and chromium's loopback there, and nothing it sends can leave the lab.
/// </summary>
internal sealed class LabHttp(string ns) : IDisposable
{
    public SocketsHttpHandler Handler { get; } = new()
    {
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var endpoint = context.DnsEndPoint;
            var address = IPAddress.Parse(endpoint.Host.Trim('[', ']'));
            var socket = NetworkNamespace.Run(ns, () => new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public HttpClient Client() => new(Handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose() => Handler.Dispose();
}
