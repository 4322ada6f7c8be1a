using System.Threading.Channels;
using Widescan.Contracts;
using Widescan.Plugin.Discovery;
using Widescan.Plugin.Probing;
using Widescan.Plugin.Transport;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Probing;

/// <summary>
/// The listener opens its capture and its raw socket with what the probe module states: a module
/// with other values shows up in the libpcap filter and snap length and in the socket's
/// ICMP6_FILTER as the kernel reports it, so a value hard-coded again in the transport fails here.
/// </summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(60_000)]
public sealed class ProbeModuleLabTests
{
    [Test]
    public void The_echo_module_states_buffers_that_hold_an_ICMPv6_error_whole()
    {
        var echo = EchoProbeModule.Instance;
        Assert.Multiple(() =>
        {
            Assert.That(echo.ReceiveLength, Is.GreaterThanOrEqualTo(1280), "an error quotes up to the IPv6 minimum MTU");
            Assert.That(echo.KernelTypes.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4, 128, 129 }), "the errors that quote a probe, and the echoes");
            Assert.That(echo.CaptureFilter, Is.EqualTo("icmp6 and (ip6[40]=128 or ip6[40]=129 or (ip6[40]>=1 and ip6[40]<=4))"));
            Assert.That(echo.MaxProbeLength, Is.GreaterThanOrEqualTo(WireFormat.ProbeLength(authenticated: true)));
            Assert.That(() => new RawIcmpv6ReceiverOptions().Validate(), Throws.ArgumentException.With.Message.Contains("KernelTypes"));
        });
    }

    [Test]
    public void The_pcap_capture_takes_the_modules_filter_and_length()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        var session = Session(NetnsLab.ScannerInterface);
        using var odd = lab.InScanner(() => ListenerRun.Start(session, Events(), capture: true, new OddModule()));
        using var echo = lab.InScanner(() => ListenerRun.Start(session, Events(), capture: true));
        Assert.Multiple(() =>
        {
            Assert.That(odd.Capture, Is.Not.Null, odd.Path);
            Assert.That(odd.Capture!.Filter, Is.EqualTo($"{OddModule.Filter} and not ether src {NetnsLab.ScannerMac}"));
            Assert.That(odd.Capture.SnapLength, Is.EqualTo(OddModule.Length + PcapCapture.LinkHeaderRoom));
            Assert.That(echo.Capture!.Filter, Does.StartWith(EchoProbeModule.Instance.CaptureFilter + " and not ether src "));
            Assert.That(echo.Capture.SnapLength, Is.EqualTo(1280 + PcapCapture.LinkHeaderRoom));
        });
    }

    [Test]
    public void The_raw_receiver_passes_the_modules_types_in_the_kernel_and_keeps_its_length()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        var session = Session(interfaceName: null); // listen-only without an interface: the raw socket on every interface
        using var odd = lab.InScanner(() => ListenerRun.Start(session, Events(), capture: false, new OddModule()));
        using var echo = lab.InScanner(() => ListenerRun.Start(session, Events(), capture: false));
        Assert.Multiple(() =>
        {
            Assert.That(odd.Receiver, Is.Not.Null, odd.Path);
            Assert.That(odd.Receiver!.KernelTypes, Is.EqualTo(OddModule.Types), "ICMP6_FILTER as the kernel reports it");
            Assert.That(odd.Receiver.SlotLength, Is.EqualTo(OddModule.Length));
            Assert.That(echo.Receiver!.KernelTypes, Is.EqualTo(new byte[] { 1, 2, 3, 4, 128, 129 }));
            Assert.That(echo.Receiver.SlotLength, Is.EqualTo(1280));
        });
    }

    private static DiscoverySession Session(string? interfaceName) => new(new WidescanOptions
    {
        ListenOnly = true,
        Interface = interfaceName,
        RespondToPeers = false,
        Log = new LogOptions { Console = false },
    });

    private static ChannelWriter<DiscoveryEvent> Events() => Channel.CreateUnbounded<DiscoveryEvent>().Writer;

    /// <summary>A probe module whose capture, kernel and length values are none of the echo module's.</summary>
    private sealed class OddModule : IProbeModule
    {
        public const string Filter = "icmp6 and ip6[40]=1";
        public const int Length = 1400;
        public static readonly byte[] Types = [1, 129];

        public string Name => "odd";

        public string CaptureFilter => Filter;

        public ReadOnlyMemory<byte> KernelTypes => Types;

        public int MaxProbeLength => WireFormat.MaxProbeLength;

        public int ReceiveLength => Length;

        public ProbeWriter Prepare(WireIdentity identity, ValidationTag tag, UInt128 source) => EchoProbeModule.Instance.Prepare(identity, tag, source);

        public PacketClassifier Classifier(WireIdentity identity, ValidationTag tag, TimeProvider time, Predicate<UInt128>? isOwn) =>
            EchoProbeModule.Instance.Classifier(identity, tag, time, isOwn);
    }
}
