using System.Runtime.InteropServices;
using Widescan.Plugin.Transport;
using Widescan.Plugin.Transport.Native;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Transport;

/// <summary>The structs handed to the kernel must match the LP64 C layouts byte for byte.</summary>
public sealed unsafe class NativeLayoutTests
{
    [Test]
    public void Struct_sizes_match_LP64_Linux()
    {
        Assert.Multiple(() =>
        {
            Assert.That(sizeof(IoVec), Is.EqualTo(16));
            Assert.That(sizeof(MsgHdr), Is.EqualTo(56));
            Assert.That(sizeof(MMsgHdr), Is.EqualTo(64));
            Assert.That(sizeof(SockaddrIn6), Is.EqualTo(28));
            Assert.That(sizeof(PollFd), Is.EqualTo(8));
            Assert.That(sizeof(Icmp6Filter), Is.EqualTo(32));
        });
    }

    [Test]
    public void Field_offsets_match_LP64_Linux()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Marshal.OffsetOf<MsgHdr>(nameof(MsgHdr.NameLength)), Is.EqualTo((nint)8));
            Assert.That(Marshal.OffsetOf<MsgHdr>(nameof(MsgHdr.Iov)), Is.EqualTo((nint)16));
            Assert.That(Marshal.OffsetOf<MsgHdr>(nameof(MsgHdr.Control)), Is.EqualTo((nint)32));
            Assert.That(Marshal.OffsetOf<MsgHdr>(nameof(MsgHdr.Flags)), Is.EqualTo((nint)48));
            Assert.That(Marshal.OffsetOf<MMsgHdr>(nameof(MMsgHdr.Length)), Is.EqualTo((nint)56));
            Assert.That(Marshal.OffsetOf<SockaddrIn6>(nameof(SockaddrIn6.FlowInfo)), Is.EqualTo((nint)4));
            Assert.That(Marshal.OffsetOf<SockaddrIn6>(nameof(SockaddrIn6.ScopeId)), Is.EqualTo((nint)24));
        });
    }

    [Test]
    public void Icmp6_filter_blocks_everything_but_the_passed_types()
    {
        var filter = Icmp6Filter.BlockAll();
        filter.Pass(Icmpv6Types.EchoRequest);
        filter.Pass(Icmpv6Types.EchoReply);
        for (var type = 0; type < 256; type++)
            Assert.That(filter.Blocks((byte)type), Is.EqualTo(type is not (128 or 129)), $"type {type}");
        // Type 128 is bit 0 of word 4 in the kernel's little-endian bit numbering.
        Assert.That(filter.Words[4], Is.EqualTo(0xFFFF_FFFCu));
    }

    [TestCase("net:[4026531840]", 4026531840UL)]
    [TestCase("net:[]", 0UL)]
    [TestCase("garbage", 0UL)]
    [TestCase(null, 0UL)]
    public void Namespace_inode_is_read_from_the_link_text(string? text, ulong expected) =>
        Assert.That(NetworkNamespace.ParseInode(text), Is.EqualTo(expected));

    [Test]
    public void Entering_a_namespace_that_does_not_exist_names_it() =>
        Assert.That(() => NetworkNamespace.Run("wsl-does-not-exist", () => 1),
            Throws.TypeOf<FileNotFoundException>().With.Message.Contains("'wsl-does-not-exist'"));

    [TestCase("../etc")]
    [TestCase("..")]
    public void A_path_is_not_a_namespace_name(string name) =>
        Assert.Throws<ArgumentException>(() => NetworkNamespace.Run(name, () => 1));

    [Test]
    public void Code_run_in_a_lab_namespace_is_there_and_its_exceptions_come_back()
    {
        Assume.That(NetnsLab.IsRoot, "needs root to create network namespaces");
        using var lab = NetnsLab.Create();
        var root = NetworkNamespace.InitialInode();
        var inScanner = lab.InScanner(NetworkNamespace.CurrentThreadInode);
        var inTarget = lab.InTarget(NetworkNamespace.CurrentThreadInode);
        Assert.That(new[] { root, inScanner, inTarget }, Is.Unique);
        Assert.That(NetworkNamespace.CurrentThreadInode(), Is.Not.EqualTo(inScanner), "the caller's thread must not move");
        Assert.That(() => lab.InScanner<int>(() => throw new InvalidDataException("from inside")),
            Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("from inside"));
    }
}
