using Widescan.Contracts;

namespace Widescan.Plugin.Discovery;

/// <summary>
/// How strongly a message shows that a Widescan node sits at its source address, weakest first. A
/// peer is reported again when stronger evidence for its address arrives, so a weak claim that came
/// first (a spoofed announce before the scan reached the real node) never shuts out the proof.
/// </summary>
internal enum PeerEvidence : byte
{
    /// <summary>Nothing yet.</summary>
    None,

    /// <summary>Unauthenticated and unsolicited (announced, or probed us): anyone can spoof the source.</summary>
    Unproven,

    /// <summary>Authenticated but unsolicited: a key holder said so, possibly from a spoofed source.</summary>
    Member,

    /// <summary>It answered our probe: this run's tag, which only who saw the probe can copy (and with a key, a MAC over both addresses).</summary>
    AnsweredProbe,
}

/// <summary>Grades peer results.</summary>
internal static class PeerEvidenceOf
{
    /// <summary>The evidence of a peer found by <paramref name="how"/>, authenticated or not.</summary>
    public static PeerEvidence Grade(PeerDiscoveryMethod how, bool authenticated) =>
        how == PeerDiscoveryMethod.AnsweredProbe ? PeerEvidence.AnsweredProbe
        : authenticated ? PeerEvidence.Member
        : PeerEvidence.Unproven;

    /// <summary>Raises what is known of <paramref name="address"/> to <paramref name="evidence"/>; false when it was already as strong.</summary>
    public static bool Raise(Dictionary<UInt128, PeerEvidence> known, UInt128 address, PeerEvidence evidence)
    {
        if (known.TryGetValue(address, out var had) && had >= evidence)
            return false;
        known[address] = evidence;
        return true;
    }
}
