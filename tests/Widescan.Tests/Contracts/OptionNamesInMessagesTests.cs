using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Widescan.Contracts;
using Widescan.Host.Commands;

namespace Widescan.Tests.Contracts;

/// <summary>
/// The contracts and the plugin speak to hosts that have no command line: their messages name options
/// (TargetSpec.SubnetBits), never CLI flags (--subnet-bits). The CLI maps one to the other in one place.
/// </summary>
public partial class OptionNamesInMessagesTests
{
    [GeneratedRegex(@"(?<![\w-])--[a-z]")]
    private static partial Regex FlagText();

    [TestCase(typeof(Ipv6Prefix), TestName = "NoStringLiteralOfTheContractsNamesACliFlag")]
    [TestCase(typeof(Widescan.Plugin.Generation.CpuAddressGenerator), TestName = "NoStringLiteralOfThePluginNamesACliFlag")]
    public void NoStringLiteralNamesACliFlag(Type inAssembly)
    {
        // Every literal the compiler emitted (ldstr: messages, log templates, interpolation parts) is in the #US heap.
        var literals = UserStrings(inAssembly.Assembly.Location);
        Assert.That(literals, Has.Count.GreaterThan(50), "the assembly's literals were read");
        Assert.That(literals.Where(s => FlagText().IsMatch(s)), Is.Empty);
    }

    [Test]
    public void EveryTargetSpecProblemNamesOptionsAndTheCliShowsItsFlags()
    {
        var rendezvous = IidPattern.Rendezvous(new byte[16]);
        var bad = new TargetSpec[]
        {
            new(),
            new() { SubnetBits = 48, Include = [Ipv6Prefix.Parse("2001:db8::/32")] },
            new() { Include = [Ipv6Prefix.Parse("2001:db8::/32")], Iid = IidPattern.Fixed(1) },
            new() { Include = [Ipv6Prefix.Parse("2001:db8::/32"), Ipv6Prefix.Parse("2001:db9::/32")], PrefixWindows = [new(Ipv6Prefix.Parse("2001:db8::/32"), 48)], Iid = IidPattern.Fixed(1) },
            new() { Include = [Ipv6Prefix.Parse("2001:db8::/32")], SubnetBits = 56, Iid = rendezvous },
            new() { Include = [Ipv6Prefix.Parse("2001:db8::/32")], TargetFiles = ["a"], SubnetBits = 64 },
            new() { Include = [Ipv6Prefix.Parse("2001:db8::/32")], Shard = new ShardSpec(4, 4) },
        };
        var errors = bad.SelectMany(s => s.Validate()).ToList();
        var resumed = ScanState.Of(new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/112")], Seed = 1 }, 0, 1, DateTimeOffset.UnixEpoch)
            .Difference(new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/112")], Seed = 1, AllowReserved = true });
        errors.Add(resumed!);

        Assert.That(errors, Has.Count.GreaterThanOrEqualTo(9));
        Assert.That(errors.Where(e => FlagText().IsMatch(e)), Is.Empty);
        var cli = errors.Select(OptionFlags.Translate).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(cli, Has.Some.Contains("(--prefix or --prefix-file)"));
            Assert.That(cli, Has.Some.StartsWith("--subnet-bits 48 needs an IID pattern (--iid ::1"));
            Assert.That(cli, Has.Some.EndsWith("needs a subnet window (--subnet-bits)"));
            Assert.That(cli, Has.Some.Contains("give --subnet-bits, or a window for every prefix"));
            Assert.That(cli, Has.Some.Contains("give --subnet-bits 64 (and no window= in a --prefix-file)"));
            Assert.That(cli, Has.Some.StartsWith("--prefix/--prefix-file and --targets-file do not go together"));
            Assert.That(cli, Has.Some.EqualTo("--allow-reserved differs (saved: False)"));
        });
    }

    private static List<string> UserStrings(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var strings = new List<string>();
        var handle = MetadataTokens.UserStringHandle(1);
        while (!handle.IsNil)
        {
            strings.Add(reader.GetUserString(handle));
            handle = reader.GetNextHandle(handle);
        }

        return strings;
    }
}
