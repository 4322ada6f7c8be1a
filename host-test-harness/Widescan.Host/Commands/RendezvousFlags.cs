using System.CommandLine;
using Serilog;
using Widescan.Contracts;

namespace Widescan.Host.Commands;

/// <summary>Which key's rendezvous addresses a scan probes during a key rollover.</summary>
internal enum RendezvousKeyChoice
{
    /// <summary>The current key (the first in the key file).</summary>
    Current,

    /// <summary>The next key (the key file's second line).</summary>
    Next,

    /// <summary>Both: twice the probes per /64.</summary>
    Both,
}

/// <summary>
/// The flags that pick a network's rendezvous addresses (docs/rendezvous.md): the key file or a
/// keyless network's name, the slots, and, for a rollover, which key. Shared by <c>generate</c>,
/// <c>scan</c> and <c>rendezvous</c>; every problem is collected.
/// </summary>
internal sealed class RendezvousFlags
{
    /// <summary>The flags; <paramref name="keyFile"/> is the command's own <c>--network-key-file</c>.</summary>
    /// <param name="keyFile">The key file flag (scan shares the announce key's).</param>
    /// <param name="reportsKeyFileErrors">False where another part of the command reads the key file and reports its problems.</param>
    /// <param name="slotsFlag">The name of the slots flag.</param>
    public RendezvousFlags(Option<FileInfo?> keyFile, bool reportsKeyFileErrors, string slotsFlag = "--rendezvous-slots")
    {
        KeyFile = keyFile;
        ReportsKeyFileErrors = reportsKeyFileErrors;
        Slots = new(slotsFlag)
        {
            Description = $"Rendezvous slots probed in each /64 (1-{IidPattern.MaxRendezvousSlots}): members of one /64 claim slots 0, 1, ... in turn",
            HelpName = "N",
            DefaultValueFactory = _ => IidPattern.DefaultRendezvousSlots,
        };
    }

    /// <summary>A key file flag for commands that have none of their own.</summary>
    public static Option<FileInfo?> NewKeyFileOption() => new("--network-key-file")
    {
        Description = "The network key whose rendezvous addresses are wanted: 32+ hex digits (a second line: the next key of a rollover), or at least 16 raw bytes",
        HelpName = "FILE",
    };

    public Option<FileInfo?> KeyFile { get; }

    public bool ReportsKeyFileErrors { get; }

    public Option<int> Slots { get; }

    public Option<string?> NetworkName { get; } = new("--network-name")
    {
        Description = "A keyless network's name, in place of --network-key-file: its rendezvous addresses are public (anyone who knows the name can compute them)",
        HelpName = "NAME",
    };

    public Option<RendezvousKeyChoice> Key { get; } = new("--rendezvous-key")
    {
        Description = "During a key rollover: probe the rendezvous addresses of the current key, the next one (the key file's second line) or both (twice the probes)",
        DefaultValueFactory = _ => RendezvousKeyChoice.Current,
    };

    /// <summary>Adds the flags; <paramref name="withKeyFile"/> adds the key file flag as well.</summary>
    public void AddTo(Command command, bool withKeyFile)
    {
        if (withKeyFile)
            command.Options.Add(KeyFile);
        command.Options.Add(Slots);
        command.Options.Add(NetworkName);
        command.Options.Add(Key);
    }

    /// <summary>When the IID pattern is not rendezvous: any rendezvous flag given is an error.</summary>
    public void RefuseWithout(ParseResult parseResult, string pattern, List<string> errors)
    {
        foreach (Option option in new Option[] { Slots, NetworkName, Key })
        {
            if (parseResult.GetResult(option) is { Implicit: false })
                errors.Add($"{option.Name} picks rendezvous addresses, and --iid is {pattern}: give --iid rendezvous, or leave {option.Name} out");
        }
    }

    /// <summary>
    /// The rendezvous pattern of the flags, or null with every problem in <paramref name="errors"/>
    /// and a stand-in in <paramref name="standIn"/> (so that the spec's own checks, the /64 window
    /// among them, still run in the same pass).
    /// </summary>
    public IidPattern? Build(ParseResult parseResult, List<string> errors, out IidPattern standIn)
    {
        var before = errors.Count;
        var slots = parseResult.GetValue(Slots);
        if (slots is < 1 or > IidPattern.MaxRendezvousSlots)
            errors.Add($"{Slots.Name} {slots} out of range (1-{IidPattern.MaxRendezvousSlots})");
        standIn = IidPattern.Rendezvous(new byte[IidPattern.RendezvousSecretLength], Math.Clamp(slots, 1, IidPattern.MaxRendezvousSlots));

        var keyFile = parseResult.GetValue(KeyFile);
        var name = parseResult.GetValue(NetworkName);
        var choice = parseResult.GetValue(Key);
        byte[]? secret = null, nextSecret = null;
        if (keyFile is not null && name is not null)
        {
            errors.Add($"{KeyFile.Name} and {NetworkName.Name} are both given: a network has a key or, without one, a name; give one of them");
        }
        else if (keyFile is not null)
        {
            // Where the command reads the key file elsewhere too, its problems are reported there, once.
            var keyErrors = ReportsKeyFileErrors ? errors : [];
            if (NetworkKeyFile.ReadKeys(keyFile, keyErrors) is { } keys)
            {
                if (choice != RendezvousKeyChoice.Current && keys.Next is null)
                    errors.Add($"{Key.Name} {choice.ToString().ToLowerInvariant()} needs a next key: put it on the second line of {KeyFile.Name} {keyFile.FullName}");
                else
                    (secret, nextSecret) = Secrets(keys, choice);
            }
        }
        else if (name is not null)
        {
            if (name.Length == 0 || name.Any(char.IsControl))
                errors.Add($"{NetworkName.Name} '{Input.Printable.Escape(name)}' is not a usable name: give one line of text");
            else if (choice != RendezvousKeyChoice.Current)
                errors.Add($"{Key.Name} {choice.ToString().ToLowerInvariant()}: a network name has no next key; key rollovers need {KeyFile.Name}");
            else
                secret = IidPattern.DeriveRendezvousSecret(name);
        }
        else
        {
            errors.Add($"--iid rendezvous needs the network's key or name: give {KeyFile.Name} FILE, or {NetworkName.Name} NAME for a keyless network");
        }

        if (errors.Count != before || secret is null)
            return null;
        var pattern = IidPattern.Rendezvous(secret, nextSecret, slots);
        if (name is not null)
        {
            Log.Warning("Rendezvous addresses of the network name '{Name}' (key id {KeyId}) are public: anyone who knows the name can compute them; a network key keeps them to its members",
                Input.Printable.Escape(name), pattern.KeyId);
        }

        Log.Information("Rendezvous addresses of key id {KeyId}, {Slots} slots per /64", pattern.KeyId, slots);
        return pattern;
    }

    private static (byte[] Secret, byte[]? Next) Secrets(NetworkKeys keys, RendezvousKeyChoice choice) => choice switch
    {
        RendezvousKeyChoice.Next => (IidPattern.DeriveRendezvousSecret(keys.Next!), null),
        RendezvousKeyChoice.Both => (IidPattern.DeriveRendezvousSecret(keys.Current), IidPattern.DeriveRendezvousSecret(keys.Next!)),
        _ => (IidPattern.DeriveRendezvousSecret(keys.Current), null),
    };
}
