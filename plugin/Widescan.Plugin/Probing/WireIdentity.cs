using System.Buffers.Binary;
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

    // The SipHash-2-4-128 key of the MAC, derived from the network key (HKDF, so the network key
    // itself is never a SipHash key and other derivations, such as rendezvous, stay independent).
    private readonly ulong _macKey0;
    private readonly ulong _macKey1;

    // The next key's MAC key during a rollover (docs/rendezvous.md, "Key rotation"): probes are
    // verified under both and answered under the one they came with.
    private readonly ulong _nextMacKey0;
    private readonly ulong _nextMacKey1;

    /// <summary>Creates the identity; the keys and data are copied.</summary>
    /// <exception cref="ArgumentException">Application data over 24 bytes, a key shorter than 16 bytes, or a next key without a key.</exception>
    public WireIdentity(NodeId nodeId, ushort servicePort, ReadOnlySpan<byte> networkKey = default, ReadOnlySpan<byte> applicationData = default,
        ReadOnlySpan<byte> nextNetworkKey = default)
    {
        if (!nextNetworkKey.IsEmpty && (networkKey.IsEmpty || nextNetworkKey.Length < 16))
            throw new ArgumentException("a next network key needs a current key and at least 16 random bytes", nameof(nextNetworkKey));
        if (applicationData.Length > WireFormat.MaxDataLength)
            throw new ArgumentException($"application data is {applicationData.Length} bytes; at most {WireFormat.MaxDataLength} fit an announce", nameof(applicationData));
        if (!networkKey.IsEmpty && networkKey.Length < 16)
            throw new ArgumentException($"network key is {networkKey.Length} bytes; use at least 16 random bytes", nameof(networkKey));
        NodeId = nodeId;
        ServicePort = servicePort;
        _networkKey = networkKey.ToArray();
        _applicationData = applicationData.ToArray();
        if (_networkKey.Length != 0)
            (_macKey0, _macKey1) = DeriveMacKey(_networkKey);
        if (!nextNetworkKey.IsEmpty)
        {
            (_nextMacKey0, _nextMacKey1) = DeriveMacKey(nextNetworkKey);
            HasNextKey = true;
        }
    }

    /// <summary>Whether a next key is set (a rollover): MACs are verified under both keys.</summary>
    public bool HasNextKey { get; }

    private static (ulong, ulong) DeriveMacKey(ReadOnlySpan<byte> networkKey)
    {
        Span<byte> macKey = stackalloc byte[16];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, networkKey, macKey, salt: [], info: MacKeyInfo);
        var key = (BinaryPrimitives.ReadUInt64LittleEndian(macKey), BinaryPrimitives.ReadUInt64LittleEndian(macKey[8..]));
        CryptographicOperations.ZeroMemory(macKey);
        return key;
    }

    /// <summary>The HKDF info of the MAC key (docs/wire-format.md, "Network key").</summary>
    public static ReadOnlySpan<byte> MacKeyInfo => "widescan mac v2"u8;

    /// <summary>Builds the identity from validated options.</summary>
    public static WireIdentity FromOptions(WidescanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new WireIdentity(options.NodeId, options.ServicePort, options.NetworkKey.Span, options.ApplicationData.Span, options.NextNetworkKey.Span);
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

    /// <summary>
    /// Writes the MAC of a message (docs/wire-format.md, "Network key"): SipHash-2-4-128 under the
    /// derived key over the source and destination addresses, the ICMPv6 type and code, the identifier
    /// and sequence, and the payload up to the MAC. The checksum is left out (the kernel fills it on
    /// the raw path); the type is passed in because our echoed probe comes back as a reply but was
    /// signed as a request.
    /// </summary>
    /// <param name="source">The message's IPv6 source.</param>
    /// <param name="destination">The message's IPv6 destination.</param>
    /// <param name="type">The ICMPv6 type the sender wrote (128 or 129).</param>
    /// <param name="unsigned">The ICMPv6 message up to the MAC (the header and payload).</param>
    /// <param name="mac">Receives the 16-byte MAC.</param>
    /// <param name="key">Which key: <see cref="CurrentKey"/>, or <see cref="NextKey"/> during a rollover.</param>
    public void ComputeMac(UInt128 source, UInt128 destination, byte type, ReadOnlySpan<byte> unsigned, Span<byte> mac, byte key = CurrentKey)
    {
        if (key == NextKey && !HasNextKey)
            throw new ArgumentException("no next network key is set", nameof(key));
        // 32 address bytes + type, code, identifier, sequence (6) + the longest payload before a MAC (66).
        Span<byte> covered = stackalloc byte[MaxCoveredLength];
        int length = CoveredLength(unsigned);
        covered = covered[..length];
        BinaryPrimitives.WriteUInt128BigEndian(covered, source);
        BinaryPrimitives.WriteUInt128BigEndian(covered[16..], destination);
        covered[32] = type;
        covered[33] = unsigned[WireFormat.CodeOffset];
        unsigned.Slice(WireFormat.IdentifierOffset, 4).CopyTo(covered[34..]);
        unsigned[WireFormat.MagicOffset..].CopyTo(covered[38..]);
        if (key == NextKey)
            SipHash.Hash128(_nextMacKey0, _nextMacKey1, covered, mac);
        else
            SipHash.Hash128(_macKey0, _macKey1, covered, mac);
    }

    /// <summary>The current network key's index (<see cref="ComputeMac"/>, <see cref="MatchMac"/>).</summary>
    public const byte CurrentKey = 0;

    /// <summary>The next network key's index, during a rollover.</summary>
    public const byte NextKey = 1;

    /// <summary>No key's MAC matched.</summary>
    public const byte NoKey = 0xFF;

    /// <summary>Whether <paramref name="mac"/> is the MAC of the message under the current key, compared in constant time.</summary>
    public bool VerifyMac(UInt128 source, UInt128 destination, byte type, ReadOnlySpan<byte> unsigned, ReadOnlySpan<byte> mac) =>
        Matches(source, destination, type, unsigned, mac, CurrentKey);

    /// <summary>
    /// Which key <paramref name="mac"/> verifies under: <see cref="CurrentKey"/>, else (during a
    /// rollover) <see cref="NextKey"/>, else <see cref="NoKey"/>. Compared in constant time.
    /// </summary>
    public byte MatchMac(UInt128 source, UInt128 destination, byte type, ReadOnlySpan<byte> unsigned, ReadOnlySpan<byte> mac)
    {
        if (Matches(source, destination, type, unsigned, mac, CurrentKey))
            return CurrentKey;
        return HasNextKey && Matches(source, destination, type, unsigned, mac, NextKey) ? NextKey : NoKey;
    }

    private bool Matches(UInt128 source, UInt128 destination, byte type, ReadOnlySpan<byte> unsigned, ReadOnlySpan<byte> mac, byte key)
    {
        Span<byte> expected = stackalloc byte[WireFormat.MacLength];
        ComputeMac(source, destination, type, unsigned, expected, key);
        return CryptographicOperations.FixedTimeEquals(expected, mac);
    }

    private const int MaxCoveredLength = 32 + 6 + (WireFormat.FixedLength - WireFormat.MagicOffset) + WireFormat.MaxDataLength;

    private static int CoveredLength(ReadOnlySpan<byte> unsigned)
    {
        if (unsigned.Length < WireFormat.FixedLength || unsigned.Length > WireFormat.FixedLength + WireFormat.MaxDataLength)
            throw new ArgumentException($"a message before its MAC is {WireFormat.FixedLength} to {WireFormat.FixedLength + WireFormat.MaxDataLength} bytes, not {unsigned.Length}", nameof(unsigned));
        return 38 + unsigned.Length - WireFormat.MagicOffset;
    }
}
