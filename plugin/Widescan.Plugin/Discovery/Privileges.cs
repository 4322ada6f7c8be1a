using Widescan.Contracts;
using Widescan.Plugin.Transport;

namespace Widescan.Plugin.Discovery;

/// <summary>Turns the transport's missing-capability error into the contracts' one, which hosts map to exit code 77.</summary>
internal static class Privileges
{
    /// <summary>The privilege sending and capturing need.</summary>
    public const string NetRaw = "CAP_NET_RAW";

    /// <summary>Throws <see cref="MissingPrivilegeException"/> when this process lacks CAP_NET_RAW.</summary>
    public static void EnsureNetRaw()
    {
        if (Capabilities.ProcessHasNetRaw() == false)
            throw new MissingPrivilegeException(NetRaw, MissingCapabilityException.DefaultMessage);
    }

    /// <summary>Runs <paramref name="open"/>, translating <see cref="MissingCapabilityException"/>.</summary>
    public static T Translate<T>(Func<T> open)
    {
        try
        {
            return open();
        }
        catch (MissingCapabilityException e)
        {
            throw new MissingPrivilegeException(NetRaw, e.Message);
        }
    }
}
