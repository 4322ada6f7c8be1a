namespace Widescan.Contracts;

/// <summary>
/// The process lacks a privilege that sending or capturing needs (CAP_NET_RAW). Thrown by
/// <see cref="IDiscoveryModule.RunAsync"/> before any packet is sent; the message is one line that names
/// the privilege and how to grant it. Command-line hosts exit with code 77 (EX_NOPERM).
/// </summary>
public sealed class MissingPrivilegeException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="privilege">The missing privilege, e.g. "CAP_NET_RAW".</param>
    /// <param name="message">One line: what is missing and how to grant it.</param>
    public MissingPrivilegeException(string privilege, string message)
        : base(message) => Privilege = privilege;

    /// <summary>The missing privilege, e.g. "CAP_NET_RAW".</summary>
    public string Privilege { get; }
}
