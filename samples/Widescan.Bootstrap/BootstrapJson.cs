using System.Text.Json;
using System.Text.Json.Serialization;
using Widescan.Bootstrap.Map;
using Widescan.Bootstrap.Peers;

namespace Widescan.Bootstrap;

/// <summary>The page's and the API's JSON, generated at build time (no reflection: Native AOT).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PeerRow))]
[JsonSerializable(typeof(IReadOnlyList<PeerRow>))]
[JsonSerializable(typeof(MapSnapshot))]
internal sealed partial class BootstrapJson : JsonSerializerContext;
