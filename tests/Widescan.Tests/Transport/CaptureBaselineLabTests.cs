using System.Net;
using System.Net.Sockets;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Transport;

/// <summary>
/// libpcap sets its filter only after the socket is open: frames that arrive in between are counted
/// by the kernel and refused by libpcap's own pass, never handed over. A capture opened while its
/// link carries other traffic must still read 0 pending once the link is quiet, or a stopping
/// listener waits for frames that never come and counts them as lost (the capture lab test's flake:
/// a fresh link's MLD reports and router solicitations are such frames).
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(30_000)]
public sealed class CaptureBaselineLabTests
{
    [Test]
    public void A_capture_opened_amid_other_traffic_has_nothing_pending_once_the_link_is_quiet()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();

        // UDP from the target to the scanner (nothing the capture filter passes), bursts of 10 about
        // every millisecond from before the capture opens until after it started.
        using var udp = lab.InTarget(() => new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp));
        var to = new IPEndPoint(IPAddress.Parse(NetnsLab.ScannerAddress), 9);
        using var stop = new CancellationTokenSource();
        long noise = 0;
        var sending = Task.Factory.StartNew(() =>
        {
            var datagram = new byte[32];
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < 10; i++)
                    udp.SendTo(datagram, to);
                noise += 10;
                Thread.Sleep(1);
            }
        }, TaskCreationOptions.LongRunning);
        Thread.Sleep(50);

        long handed = 0;
        using var capture = lab.InScanner(() => PcapCapture.Open(NetnsLab.ScannerInterface, EchoProbeModule.Instance.CaptureFilter, EchoProbeModule.Instance.ReceiveLength,
            (_, _, _) => Interlocked.Increment(ref handed), 1 << 20, TimeSpan.FromMilliseconds(20)));
        capture.Start();
        Thread.Sleep(100);
        stop.Cancel();
        sending.Wait();

        // Quiet now: what the kernel counted has been handed over (a batched block is retired
        // within 20 ms), so nothing may read as pending.
        var deadline = Environment.TickCount64 + 2000;
        while (capture.Pending > 0 && Environment.TickCount64 < deadline)
            Thread.Sleep(20);
        TestContext.Out.WriteLine($"{noise} datagrams of noise; {handed} frames handed over, {capture.Pending} pending, {capture.KernelDropped} dropped");
        Assert.Multiple(() =>
        {
            Assert.That(noise, Is.GreaterThan(100), "the noise ran while the capture opened");
            Assert.That(capture.Pending, Is.Zero, "frames libpcap refused before its filter was set read as pending for good");
            Assert.That(capture.KernelDropped, Is.Zero);
        });
    }
}
