using Widescan.Contracts;
using Widescan.Plugin.Transport;

namespace Widescan.Tests.Lab;

/// <summary>
/// Sends hand-made ICMPv6 messages from the lab's target namespace, as an attacker or a fake peer
/// would: raw sockets bound to a source address of that namespace, opened on its thread.
/// </summary>
internal static class LabInjection
{
    /// <summary>A one-message sender bound to <paramref name="source"/> (an address of the target namespace).</summary>
    public static RawIcmpv6Sender Sender(NetnsLab lab, string source) =>
        lab.InTarget(() => new RawIcmpv6Sender(new RawIcmpv6SenderOptions
        {
            BatchSize = 1,
            SourceAddress = Ipv6Address.Parse(source),
        }));

    /// <summary>Sends <paramref name="message"/> as it is (the kernel fills the checksum); false when it did not go out.</summary>
    /// <remarks>Safe to call from a capture thread: senders are locked, and nothing here asserts.</remarks>
    public static bool Send(RawIcmpv6Sender sender, UInt128 destination, byte[] message)
    {
        var writer = new BytesWriter(message);
        lock (sender)
            return sender.SendBatch([destination], ref writer).Sent == 1;
    }

    private readonly struct BytesWriter(byte[] bytes) : IIcmpv6MessageWriter
    {
        public int Write(UInt128 destination, Span<byte> message)
        {
            bytes.CopyTo(message);
            return bytes.Length;
        }
    }
}
