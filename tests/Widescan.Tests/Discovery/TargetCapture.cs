using System.Buffers.Binary;
using PacketDotNet;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Discovery;

/// <summary>
/// What reached the target: libpcap on the target's side of the veth records every incoming echo
/// request (destination and kernel timestamp), so a test can prove what the scanner sent on the wire.
/// </summary>
internal sealed class TargetCapture : IDisposable
{
    private readonly PcapCapture _capture;
    private readonly object _gate = new();
    private readonly List<(UInt128 Destination, DateTimeOffset Time)> _requests = new(1 << 16);

    private TargetCapture(NetnsLab lab)
    {
        // A block at a time, not a wake-up per frame: the capture must not slow the run it watches
        // (the kernel's timestamps stay per frame). 32 MB holds every frame of a test's run.
        _capture = lab.InTarget(() => PcapCapture.Open(NetnsLab.TargetInterface, EchoProbeModule.Instance.CaptureFilter, EchoProbeModule.Instance.ReceiveLength, OnFrame, 32 << 20, TimeSpan.FromMilliseconds(20)));
        _capture.Start();
    }

    /// <summary>Starts capturing in the lab's target namespace.</summary>
    public static TargetCapture Start(NetnsLab lab) => new(lab);

    /// <summary>The echo requests seen so far, in arrival order.</summary>
    public List<(UInt128 Destination, DateTimeOffset Time)> Requests
    {
        get
        {
            lock (_gate)
                return [.. _requests];
        }
    }

    /// <summary>Frames the kernel dropped from the capture ring (a test that counts must see 0).</summary>
    public long KernelDropped => _capture.KernelDropped;

    /// <summary>Waits until <paramref name="count"/> requests arrived or the time is up (immediate mode still delivers from a ring a moment later).</summary>
    public void WaitFor(int count, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            lock (_gate)
            {
                if (_requests.Count >= count)
                    return;
            }

            Thread.Sleep(20);
        }
    }

    private void OnFrame(ReadOnlySpan<byte> frame, DateTimeOffset time, LinkLayers link)
    {
        // Ethernet (14) + a bare IPv6 header (40): the filter already matched ip6[40] = 128 or 129.
        if (link != LinkLayers.Ethernet || frame.Length < 55 || frame[54] != Icmpv6Types.EchoRequest)
            return;
        var destination = BinaryPrimitives.ReadUInt128BigEndian(frame[38..]);
        lock (_gate)
            _requests.Add((destination, time));
    }

    public void Dispose() => _capture.Dispose();
}
