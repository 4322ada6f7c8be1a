using System.Security.Cryptography;
using Widescan.Contracts;

namespace Widescan.Plugin.Probing;

/// <summary>
/// What this node puts in its messages: identity, service port, application data and the optional
/// network key. Shared by the probe writer, the announce writer and the classifier, so that the three
/// agree on what "our packet" looks like.
/// </summary>
internal sealed class WireIdentity
{
    private readonly byte[] _networkKey;
    private readonly byte[] _applicationData;

    [ThreadStatic]
    private static IncrementalHash? t_hmac;

    [ThreadStatic]
    private static byte[]? t_hmacKey;

    /// <summary>Creates the identity; the key and data are copied.</summary>
    /// <exception cref="ArgumentException">Application data over 24 bytes, or a key shorter than 16 bytes.</exception>
    public WireIdentity(NodeId nodeId, ushort servicePort, ReadOnlySpan<byte> networkKey = default, ReadOnlySpan<byte> applicationData = default)
    {
        if (applicationData.Length > WireFormat.MaxDataLength)
            throw new ArgumentException($"application data is {applicationData.Length} bytes; at most {WireFormat.MaxDataLength} fit an announce", nameof(applicationData));
        if (!networkKey.IsEmpty && networkKey.Length < 16)
            throw new ArgumentException($"network key is {networkKey.Length} bytes; use at least 16 random bytes", nameof(networkKey));
        NodeId = nodeId;
        ServicePort = servicePort;
        _networkKey = networkKey.ToArray();
        _applicationData = applicationData.ToArray();
    }

    /// <summary>Builds the identity from validated options.</summary>
    public static WireIdentity FromOptions(WidescanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new WireIdentity(options.NodeId, options.ServicePort, options.NetworkKey.Span, options.ApplicationData.Span);
    }

    /// <summary>This node's identity.</summary>
    public NodeId NodeId { get; }

    /// <summary>The service port announced.</summary>
    public ushort ServicePort { get; }

    /// <summary>Whether a network key is set (messages carry an HMAC tag; only authenticated peers count).</summary>
    public bool Authenticated => _networkKey.Length != 0;

    /// <summary>The network key; empty when none.</summary>
    public ReadOnlySpan<byte> NetworkKey => _networkKey;

    /// <summary>The application data of our announces.</summary>
    public ReadOnlySpan<byte> ApplicationData => _applicationData;

    /// <summary>Writes the truncated HMAC-SHA256 of <paramref name="covered"/> into <paramref name="mac"/> (16 bytes).</summary>
    public void ComputeMac(ReadOnlySpan<byte> covered, Span<byte> mac)
    {
        // A one-shot HMAC sets up the key (two extra SHA-256 blocks and a native context) on every
        // call; a reused IncrementalHash keeps it. One per thread, because the broadcaster and the
        // listener use the same identity from different threads; rebuilt only if a thread switches
        // identity (tests).
        var hmac = t_hmac;
        if (hmac is null || !ReferenceEquals(t_hmacKey, _networkKey))
        {
            hmac?.Dispose();
            t_hmac = hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _networkKey);
            t_hmacKey = _networkKey;
        }

        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        hmac.AppendData(covered);
        hmac.GetHashAndReset(full);
        full[..WireFormat.MacLength].CopyTo(mac);
    }

    /// <summary>Whether <paramref name="mac"/> is the tag of <paramref name="covered"/>, compared in constant time.</summary>
    public bool VerifyMac(ReadOnlySpan<byte> covered, ReadOnlySpan<byte> mac)
    {
        Span<byte> expected = stackalloc byte[WireFormat.MacLength];
        ComputeMac(covered, expected);
        return CryptographicOperations.FixedTimeEquals(expected, mac);
    }
}
