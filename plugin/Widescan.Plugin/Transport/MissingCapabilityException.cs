namespace Widescan.Plugin.Transport;

/// <summary>
/// The process lacks CAP_NET_RAW, so it can neither open a raw ICMPv6 socket nor capture. Derives
/// from <see cref="UnauthorizedAccessException"/> so that a host, which shares only the BCL and the
/// contracts with the plugin, can still recognise it and exit with <see cref="ExitCode"/>.
/// </summary>
internal sealed class MissingCapabilityException : UnauthorizedAccessException
{
    /// <summary>EX_NOPERM from sysexits.h: the exit code the CLI uses for this error.</summary>
    public const int ExitCode = 77;

    /// <summary>
    /// The one line the user sees: the capability, and how to grant it to this process alone. Not setcap
    /// on the dotnet binary: every .NET program runs through that shared file and would get CAP_NET_RAW.
    /// </summary>
    public const string DefaultMessage =
        "CAP_NET_RAW is missing: sending and capturing ICMPv6 need it; run as root (sudo) to try it out, or grant it " +
        "to this process alone: the systemd unit deploy/widescan.service (AmbientCapabilities), or a container run " +
        "given the NET_RAW capability (docs/deploy.md); not setcap on the dotnet binary, which would grant it to every .NET program";

    public MissingCapabilityException()
        : base(DefaultMessage)
    {
        HResult = ExitCode;
        Data["ExitCode"] = ExitCode;
    }

    public MissingCapabilityException(string message)
        : base(message)
    {
        HResult = ExitCode;
        Data["ExitCode"] = ExitCode;
    }

    public MissingCapabilityException(string message, Exception inner)
        : base(message, inner)
    {
        HResult = ExitCode;
        Data["ExitCode"] = ExitCode;
    }
}
