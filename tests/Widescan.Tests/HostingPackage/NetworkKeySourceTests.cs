using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Widescan.Contracts;
using Widescan.Hosting;

namespace Widescan.Tests.HostingPackage;

/// <summary>The network key from a file, an environment variable or configuration; a named source that is missing is an error.</summary>
public sealed class NetworkKeySourceTests
{
    private const string Hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("widescan-key-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void A_key_file_of_two_hex_lines_gives_the_key_and_the_next_key()
    {
        var file = Path.Combine(_directory, "network.key");
        File.WriteAllText(file, Hex + "\n" + Hex.Replace('0', 'f') + "\n");
        var (options, errors) = Resolve(new WidescanHostOptions { NetworkKeyFile = file });
        Assert.Multiple(() =>
        {
            Assert.That(errors, Is.Empty);
            Assert.That(options.NetworkKey.ToArray(), Is.EqualTo(Convert.FromHexString(Hex)));
            Assert.That(options.NextNetworkKey.ToArray(), Is.EqualTo(Convert.FromHexString(Hex.Replace('0', 'f'))));
        });
    }

    [Test]
    public void A_key_in_an_environment_variable_is_read_at_start()
    {
        var variable = "WIDESCAN_TEST_KEY_" + Environment.ProcessId;
        Environment.SetEnvironmentVariable(variable, Convert.ToBase64String(Convert.FromHexString(Hex)));
        try
        {
            var (options, errors) = Resolve(new WidescanHostOptions { NetworkKeyEnvironmentVariable = variable });
            Assert.That(errors, Is.Empty);
            Assert.That(options.NetworkKey.ToArray(), Is.EqualTo(Convert.FromHexString(Hex)));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Test]
    public void Missing_or_doubled_sources_fail_validation_naming_the_source()
    {
        var missingFile = Path.Combine(_directory, "absent.key");
        var shortFile = Path.Combine(_directory, "short.key");
        File.WriteAllText(shortFile, "0011");
        Assert.Multiple(() =>
        {
            Assert.That(Validate(new WidescanHostOptions { NetworkKeyFile = missingFile }),
                Has.Some.Contains("NetworkKeyFile " + missingFile).And.Contains("does not exist"));
            Assert.That(Validate(new WidescanHostOptions { NetworkKeyFile = shortFile }),
                Has.Some.Contains("NetworkKeyFile").And.Contains("4 hex digits"));
            Assert.That(Validate(new WidescanHostOptions { NetworkKeyEnvironmentVariable = "WIDESCAN_TEST_UNSET_VARIABLE" }),
                Has.Some.Contains("NetworkKeyEnvironmentVariable WIDESCAN_TEST_UNSET_VARIABLE").And.Contains("not set"));
            Assert.That(Validate(new WidescanHostOptions { NetworkKeyFile = missingFile, Discovery = new WidescanOptions { NetworkKey = Convert.FromHexString(Hex) } }),
                Has.Some.Contains("2 sources (NetworkKeyFile, NetworkKey)"));
        });
    }

    [Test]
    public void A_bound_key_that_is_neither_hex_nor_base64_is_named_by_its_path()
    {
        var options = AddWidescanTests.Options(s => s.AddWidescan(AddWidescanTests.Section(new() { ["Widescan:NetworkKey"] = "not a key!" })));
        Assert.That(options.BindingErrors, Has.One.Contains("Widescan:NetworkKey: the key").And.Contains("neither hex digits nor base64"));
    }

    private static (WidescanOptions Options, List<string> Errors) Resolve(WidescanHostOptions host)
    {
        var errors = new List<string>();
        return (NetworkKeySources.Apply(host, errors), errors);
    }

    private static IEnumerable<string> Validate(WidescanHostOptions host)
    {
        var services = new ServiceCollection().AddSingleton<IDiscoveryModule>(new ScriptedModule(_ => []));
        using var provider = services.BuildServiceProvider();
        var result = new WidescanHostOptionsValidator(provider).Validate(Options.DefaultName, host);
        return result.Failures ?? [];
    }
}
