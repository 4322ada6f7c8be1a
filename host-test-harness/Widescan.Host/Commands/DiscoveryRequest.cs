using Widescan.Contracts;
using Widescan.Host.Output;

namespace Widescan.Host.Commands;

/// <summary>What a <c>scan</c> or <c>listen</c> command line asks for, once every flag checked out.</summary>
/// <param name="Options">The module's options.</param>
/// <param name="Output">--output, or null for standard output.</param>
/// <param name="Format">--format.</param>
/// <param name="Resumed">The state file a scan resumes from, or null.</param>
internal sealed record DiscoveryRequest(WidescanOptions Options, FileInfo? Output, ResultFormat Format, ScanState? Resumed);
