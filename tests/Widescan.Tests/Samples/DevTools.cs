using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Widescan.Tests.Samples;

/// <summary>
/// A minimal client of chromium's DevTools protocol over one page's WebSocket: a command is a JSON
/// object with an id, its answer the message with that id (events in between are skipped).
/// </summary>
internal sealed class DevTools : IDisposable
{
    private readonly ClientWebSocket _socket = new();
    private int _id;

    private DevTools()
    {
    }

    /// <summary>Connects to the first page target listed by the browser's /json/list.</summary>
    public static async Task<DevTools> ConnectAsync(LabHttp http, int port, CancellationToken cancellationToken)
    {
        using var client = http.Client();
        var list = JsonNode.Parse(await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list"), cancellationToken))!.AsArray();
        var page = list.FirstOrDefault(t => (string?)t!["type"] == "page")
            ?? throw new InvalidOperationException($"chromium lists no page target: {list.ToJsonString()}");
        var tools = new DevTools();
        await tools._socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), new HttpMessageInvoker(http.Handler, disposeHandler: false), cancellationToken);
        return tools;
    }

    /// <summary>Sends a command and returns its <c>result</c>; a protocol error throws with its message.</summary>
    public async Task<JsonNode> SendAsync(string method, JsonObject? parameters, CancellationToken cancellationToken)
    {
        var id = ++_id;
        var command = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(command.ToJsonString()), WebSocketMessageType.Text, true, cancellationToken);
        while (true)
        {
            var message = JsonNode.Parse(await ReceiveAsync(cancellationToken))!;
            if ((int?)message["id"] != id)
                continue; // an event, or another command's answer
            if (message["error"] is { } error)
                throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}");
            return message["result"]!;
        }
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its value (JSON-serialisable values only).</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression, CancellationToken cancellationToken)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true }, cancellationToken);
        if (result["exceptionDetails"] is { } exception)
            throw new InvalidOperationException($"the page threw on '{expression}': {exception.ToJsonString()}");
        return result["result"]!["value"];
    }

    /// <summary>The page as a PNG.</summary>
    public async Task<byte[]> ScreenshotAsync(CancellationToken cancellationToken)
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }, cancellationToken);
        return Convert.FromBase64String((string)result["data"]!);
    }

    public void Dispose() => _socket.Dispose();

    private async Task<string> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var part = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (part.MessageType == WebSocketMessageType.Close)
                throw new InvalidOperationException("chromium closed the DevTools connection");
            message.Write(buffer, 0, part.Count);
            if (part.EndOfMessage)
                return Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
        }
    }
}
