using System.Text.Json;
using System.Text.Json.Serialization;
using Widescan.Bootstrap.Live;
using Widescan.Bootstrap.Map;
using Widescan.Bootstrap.Peers;
using Widescan.Bootstrap.Rendezvous;

namespace Widescan.Bootstrap;

/// <summary>The page's and the API's JSON, generated at build time (no reflection: Native AOT).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PeerRow))]
[JsonSerializable(typeof(PeerPage))]
[JsonSerializable(typeof(PeerTotal))]
[JsonSerializable(typeof(MapSnapshot))]
[JsonSerializable(typeof(RendezvousState))]
internal sealed partial class BootstrapJson : JsonSerializerContext;
