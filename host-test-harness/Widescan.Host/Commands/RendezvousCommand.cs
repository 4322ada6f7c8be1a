using System.CommandLine;
using Widescan.Contracts;

namespace Widescan.Host.Commands;

/// <summary>
/// <c>widescan rendezvous</c>: prints the rendezvous addresses of the /64s given, for an operator who
/// configures one statically where a listener cannot claim it (docs/rendezvous.md). One line per
/// address: <c>ADDRESS slot N key KEYID</c>, the /64s in the order given, slots in order.
/// </summary>
internal sealed class RendezvousCommand : Command, ICollectsErrors
{
    private const string Prefix = "widescan rendezvous";

    private RendezvousCommand()
        : base("rendezvous", "Print the rendezvous addresses of a network in the /64s given (to configure one statically): ADDRESS slot N key KEYID")
    {
        Options.Add(Prefixes);
        Rendezvous.AddTo(this, withKeyFile: true);
        SetAction(Run);
    }

    public Option<string[]> Prefixes { get; } = new("--prefix")
    {
        Description = "A /64 whose rendezvous addresses to print (repeatable), e.g. 2001:db8:1:2::/64",
        HelpName = "PREFIX",
    };

    public RendezvousFlags Rendezvous { get; } = new(RendezvousFlags.NewKeyFileOption(), reportsKeyFileErrors: true, slotsFlag: "--slots");

    /// <summary>The command, for <see cref="WidescanCli.Create"/>.</summary>
    public static RendezvousCommand Create() => new();

    /// <inheritdoc />
    public void CollectErrors(ParseResult parseResult, List<string> errors) => Build(parseResult, errors);

    /// <summary>The /64s and the pattern of a command line, or null with every problem in <paramref name="errors"/>.</summary>
    public (IReadOnlyList<Ipv6Prefix> Subnets, IidPattern Pattern)? Build(ParseResult parseResult, List<string> errors)
    {
        var subnets = new List<Ipv6Prefix>();
        var texts = parseResult.GetValue(Prefixes) ?? [];
        if (texts.Length == 0)
            errors.Add("no /64: give at least one --prefix P/64");
        foreach (var text in texts)
        {
            if (!Ipv6Prefix.TryParse(text, out var prefix, out var error))
                errors.Add($"--prefix: {error}");
            else if (prefix.Length != 64)
                errors.Add($"--prefix {prefix} is not a /64: a rendezvous address belongs to one /64 (widescan scan --iid rendezvous probes every /64 of a wider prefix)");
            else
                subnets.Add(prefix);
        }

        var pattern = Rendezvous.Build(parseResult, errors, out _);
        return errors.Count > 0 || pattern is null ? null : (subnets, pattern);
    }

    private int Run(ParseResult parseResult)
    {
        var errors = new List<string>();
        if (Build(parseResult, errors) is not var (subnets, pattern))
        {
            ErrorReport.Write(parseResult.InvocationConfiguration.Error, Prefix, errors);
            return ExitCodes.Usage;
        }

        var output = parseResult.InvocationConfiguration.Output;
        foreach (var subnet in subnets)
        {
            foreach (var (address, slot, keyId) in Addresses(subnet, pattern))
                output.WriteLine($"{Ipv6Address.Format(address)} slot {slot} key {keyId}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>The addresses of one /64, slots in order, the current key's before the next key's.</summary>
    private static IEnumerable<(UInt128 Address, int Slot, string KeyId)> Addresses(Ipv6Prefix subnet, IidPattern pattern)
    {
        var keyIds = pattern.KeyId!.Split('+');
        for (var key = 0; key < keyIds.Length; key++)
        {
            for (var slot = 0; slot < pattern.RendezvousSlots; slot++)
                yield return (pattern.RendezvousAddress(subnet.Network, slot, next: key == 1), slot, keyIds[key]);
        }
    }
}
