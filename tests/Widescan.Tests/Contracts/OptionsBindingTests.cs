using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Widescan.Contracts;

namespace Widescan.Tests.Contracts;

/// <summary>
/// A host binds <see cref="WidescanOptions"/> from its configuration (appsettings.json, environment
/// variables) with Microsoft.Extensions.Configuration.Binder: every public settable option must arrive,
/// and a value that cannot must fail the bind, never be dropped.
/// </summary>
public class OptionsBindingTests
{
    private const string Section = "Widescan";

    // The option types a WidescanOptions holds whose properties are options themselves.
    private static readonly Type[] Nested = [typeof(TargetSpec), typeof(RendezvousOptions), typeof(LogOptions)];

    [Test]
    public void EveryOptionRoundTripsFromJson()
    {
        var values = EveryOptionSample();
        var json = new JsonObject();
        foreach (var (key, value) in values)
            Place(json, key.Split(':'), value);
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(new JsonObject { [Section] = json }.ToJsonString())))
            .Build();

        AssertEveryOptionArrived(configuration.GetSection(Section).Get<WidescanOptions>(), values);
    }

    [Test]
    public void EveryOptionRoundTripsThroughWidescanHostingsOwnBinder()
    {
        // AddWidescan binds key by key (AOT-clean), not through the reflection binder: the same
        // sample must arrive whole through it, with no binding error.
        var values = EveryOptionSample();
        var section = Widescan.Tests.HostingPackage.AddWidescanTests.Section(values.ToDictionary(v => $"{Section}:{v.Key}", v => (string?)v.Value));
        var host = Widescan.Tests.HostingPackage.AddWidescanTests.Options(s => s.AddWidescan(section));

        Assert.That(host.BindingErrors, Is.Empty);
        AssertEveryOptionArrived(host.Discovery, values);
    }

    [Test]
    public void EveryOptionRoundTripsFromEnvironmentVariablesThroughAddOptionsBind()
    {
        var values = EveryOptionSample();
        var prefix = $"WIDESCAN_BINDING_TEST_{Environment.ProcessId}_";
        var names = values.Select(v => (Name: prefix + Section + "__" + v.Key.Replace(":", "__", StringComparison.Ordinal), v.Value)).ToList();
        try
        {
            foreach (var (name, value) in names)
                Environment.SetEnvironmentVariable(name, value);
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
            var services = new ServiceCollection();
            services.AddOptions<WidescanOptions>().Bind(configuration.GetSection(Section));
            using var provider = services.BuildServiceProvider();

            AssertEveryOptionArrived(provider.GetRequiredService<IOptions<WidescanOptions>>().Value, values);
        }
        finally
        {
            foreach (var (name, _) in names)
                Environment.SetEnvironmentVariable(name, null);
        }
    }

    [TestCase("Targets:Iid", "rendezvous", typeof(IidPattern), "needs the network's secret")]
    [TestCase("Targets:Shard", "4/4", typeof(ShardSpec), "the index must be 0 to N-1")]
    [TestCase("NodeId", "0123", typeof(NodeId), "is not 32 hex digits")]
    [TestCase("SourceAddress", "192.0.2.1", typeof(Ipv6Host), "is not an IPv6 address")]
    [TestCase("NetworkKey", "hex:abc", typeof(ByteString), "is not hex bytes")]
    [TestCase("NetworkKey", "not base64!", typeof(ByteString), "neither hex digits nor base64")]
    public void AValueThatDoesNotConvertFailsTheBindNamingTheKey(string key, string value, Type type, string why)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"{Section}:{key}"] = value })
            .Build();

        var e = Assert.Throws<InvalidOperationException>(() => configuration.GetSection(Section).Get<WidescanOptions>());
        Assert.That(e!.Message, Does.Contain($"{Section}:{key}").And.Contain(type.FullName!));
        Assert.That(e.InnerException, Is.InstanceOf<FormatException>().With.Message.Contains(why));
    }

    [TestCase("Targets:Include:1", "2001:db8::1/32", "has host bits set")]
    [TestCase("Targets:PrefixWindows:1", "2001:db8::/48", "has no window")]
    [TestCase("Rendezvous:Prefixes:1", "2001:db8::/129", "out of range")]
    public void ABadListItemFailsTheBindWithErrorOnUnknownConfiguration(string key, string value, string why)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"{Section}:{key[..^1]}0"] = key.Contains("Windows", StringComparison.Ordinal) ? "2001:db8:1::/48 window=/56" : "2001:db8:1::/64",
                [$"{Section}:{key}"] = value,
            })
            .Build();

        var e = Assert.Throws<InvalidOperationException>(() => configuration.GetSection(Section).Get<WidescanOptions>(o => o.ErrorOnUnknownConfiguration = true));
        Assert.That(Chain(e!).OfType<FormatException>().Select(x => x.Message), Has.Some.Contains(why), string.Join(" <- ", Chain(e!).Select(x => x.Message)));
    }

    [Test]
    public void WithoutErrorOnUnknownConfigurationTheBinderDropsABadListItem()
    {
        // Why docs/hosting.md binds with ErrorOnUnknownConfiguration: the binder swallows a list item's
        // conversion error (and an option name it does not know). Should the binder change, so must the docs.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"{Section}:Targets:Include:0"] = "2001:db8:1::/64",
                [$"{Section}:Targets:Include:1"] = "2001:db8::1/32",
            })
            .Build();

        Assert.That(configuration.GetSection(Section).Get<WidescanOptions>()!.Targets!.Include, Has.Count.EqualTo(1));
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            yield return x;
    }

    [TestCase(typeof(Ipv6Prefix), "2001:DB8:0::/48", "2001:db8::/48")]
    [TestCase(typeof(Ipv6Host), "2001:db8:0::01", "2001:db8::1")]
    [TestCase(typeof(NodeId), "00112233-4455-6677-8899-AABBCCDDEEFF", "00112233445566778899aabbccddeeff")]
    [TestCase(typeof(ShardSpec), "3/8", "3/8")]
    [TestCase(typeof(IidPattern), "LOW:1-FF", "low:1-ff")]
    [TestCase(typeof(IidPattern), "eui64:00:50:56,00:0c:29", "eui64:00:50:56,00:0c:29")]
    [TestCase(typeof(IidPattern), "ipv4:192.0.2.0/24", "ipv4:192.0.2.0/24")]
    [TestCase(typeof(PrefixWindow), "2001:db8::/48 WINDOW=/56", "2001:db8::/48 window=/56")]
    [TestCase(typeof(ByteString), "base64:AAECAw==", "hex:00010203")]
    [TestCase(typeof(ByteString), "00010203", "hex:00010203")]
    public void TheTextFormRoundTrips(Type type, string text, string canonical)
    {
        var converter = TypeDescriptor.GetConverter(type);
        var value = converter.ConvertFromInvariantString(text)!;
        Assert.That(converter.ConvertToInvariantString(value), Is.EqualTo(canonical));
        Assert.That(converter.ConvertFromInvariantString(canonical), Is.EqualTo(value));
        if (type != typeof(ByteString))
            Assert.That(value.ToString(), Is.EqualTo(canonical), "ToString is the text form");
    }

    [Test]
    public void AKeyNeverShowsInTheOptionsText()
    {
        var key = ByteString.Parse("hex:00112233445566778899aabbccddeeff");
        var options = new WidescanOptions { ListenOnly = true, NetworkKey = key };
        Assert.That(options.ToString(), Does.Contain("NetworkKey = 16 bytes").And.Not.Contain(key.ToHex()));
    }

    [Test]
    public void ASpecHasItsOwnRandomSeedWhichACopyKeepsAndAResumeNeeds()
    {
        var seeds = Enumerable.Range(0, 64).Select(_ => new TargetSpec().Seed).ToHashSet();
        Assert.That(seeds, Has.Count.EqualTo(64), "each spec draws its own seed");

        var spec = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/112")] };
        Assert.That((spec with { StartCursor = 5 }).Seed, Is.EqualTo(spec.Seed));
        var state = ScanState.Of(spec, 10, 65_536, DateTimeOffset.UnixEpoch);
        var again = new TargetSpec { Include = [Ipv6Prefix.Parse("2001:db8::/112")] };
        Assert.That(state.Difference(again), Does.StartWith("the seed differs"), "a resume without the saved seed is refused, not run in another order");
        Assert.That(state.ResumeFrom(again with { Seed = state.Seed }).StartCursor, Is.EqualTo(10));
    }

    [Test]
    public void TheAppsettingsSampleOfTheHostingDocsBindsAndIsValid()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "hosting.md"));
        var section = docs[docs.IndexOf("## Configuring from appsettings.json", StringComparison.Ordinal)..];
        var start = section.IndexOf("```json\n", StringComparison.Ordinal) + "```json\n".Length;
        var json = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

        // The same calls as the docs' snippet.
        var options = configuration.GetSection("Widescan")
            .Get<WidescanOptions>(binder => binder.ErrorOnUnknownConfiguration = true)!;
        options.EnsureValid();

        Assert.Multiple(() =>
        {
            Assert.That(options.Targets!.Include, Is.EqualTo(new[] { Ipv6Prefix.Parse("2001:db8:1::/48"), Ipv6Prefix.Parse("2001:db8:2::/48") }));
            Assert.That(options.Targets.Exclude, Is.EqualTo(new[] { Ipv6Prefix.Parse("2001:db8:1:ff::/64") }));
            Assert.That(options.Targets.Iid, Is.EqualTo(IidPattern.LowRange(1, 0xff)));
            Assert.That(options.Targets.Seed, Is.EqualTo(6148914691236517205UL));
            Assert.That(options.Targets.Shard, Is.EqualTo(new ShardSpec(0, 2)));
            Assert.That(options.Cooldown, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(options.SourceAddress, Is.EqualTo(Ipv6Host.Parse("2001:db8::10")));
            Assert.That(options.NodeId, Is.EqualTo(NodeId.Parse("0123456789abcdef0123456789abcdef")));
            Assert.That(options.NetworkKey.Length, Is.EqualTo(32), "the key arrived: the node is authenticated");
            Assert.That(options.Rendezvous.Prefixes, Is.EqualTo(new[] { Ipv6Prefix.Parse("2001:db8:0:1::/64") }));
            Assert.That(options.Log.MinimumLevel, Is.EqualTo(WidescanLogLevel.Warning));
        });
    }

    /// <summary>One configuration value (or several, for a list) for every public settable option, each unlike its default.</summary>
    private static List<KeyValuePair<string, string>> EveryOptionSample()
    {
        var values = new List<KeyValuePair<string, string>>();
        foreach (var (path, property, owner) in Settable(typeof(WidescanOptions), ""))
        {
            var samples = Samples(path, property, property.GetValue(owner));
            if (samples.Count == 1)
                values.Add(new(path, samples[0]));
            else
                values.AddRange(samples.Select((s, k) => new KeyValuePair<string, string>($"{path}:{k}", s)));
        }

        return values;
    }

    private static IEnumerable<(string Path, PropertyInfo Property, object Owner)> Settable(Type type, string prefix)
    {
        var owner = Activator.CreateInstance(type)!;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            // Objects a host hands over in code (its log sink, its meter factory, its clock): no text binds to them.
            if (CodeOnly.Contains(property.PropertyType))
                continue;
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (Nested.Contains(propertyType))
            {
                foreach (var inner in Settable(propertyType, $"{prefix}{property.Name}:"))
                    yield return inner;
            }
            else
            {
                yield return ($"{prefix}{property.Name}", property, owner);
            }
        }
    }

    // The only option types set in code alone; a new one must be added here on purpose.
    private static readonly HashSet<Type> CodeOnly = [typeof(IWidescanLogSink), typeof(System.Diagnostics.Metrics.IMeterFactory), typeof(TimeProvider)];

    // A text unlike the default, by type; a new option of a type without a sample fails here, on purpose.
    private static List<string> Samples(string path, PropertyInfo property, object? defaultValue)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            var element = type.GetGenericArguments()[0];
            return [ElementSample(path, element, 1), ElementSample(path, element, 2)];
        }

        return [type switch
        {
            _ when type == typeof(string) => $"{path.Replace(':', '-')}-value",
            _ when type == typeof(bool) => (!(bool)defaultValue!).ToString(),
            _ when type == typeof(int) => Invariant(defaultValue is int i ? i + 1 : 48),
            _ when type == typeof(ushort) => Invariant((ushort)defaultValue! + 1),
            _ when type == typeof(ulong) => Invariant(unchecked((ulong)defaultValue! + 1)),
            _ when type == typeof(TimeSpan) => ((defaultValue as TimeSpan?) ?? TimeSpan.FromSeconds(4)).Add(TimeSpan.FromSeconds(3)).ToString("c", CultureInfo.InvariantCulture),
            _ when type.IsEnum => Enum.GetNames(type).First(n => !Equals(Enum.Parse(type, n), defaultValue)),
            _ when type == typeof(Ipv6Host) => "2001:db8::7",
            _ when type == typeof(NodeId) => "00112233445566778899aabbccddeeff",
            _ when type == typeof(IidPattern) => "low:1-ff",
            _ when type == typeof(ShardSpec) => "1/4",
            _ when type == typeof(ByteString) => path switch
            {
                nameof(WidescanOptions.NetworkKey) => "000102030405060708090a0b0c0d0e0f10111213",
                nameof(WidescanOptions.NextNetworkKey) => "base64:" + Convert.ToBase64String(Enumerable.Range(100, 20).Select(b => (byte)b).ToArray()),
                _ => "hex:cafe",
            },
            _ => throw new AssertionException($"{path}: no configuration sample for {type}; make the option bindable (a TypeConverter from string) and add one here"),
        }];
    }

    private static string ElementSample(string path, Type element, int k) => element switch
    {
        _ when element == typeof(string) => $"{path.Replace(':', '-')}-{k}",
        _ when element == typeof(Ipv6Prefix) => $"2001:db8:{k}::/48",
        _ when element == typeof(PrefixWindow) => $"2001:db8:{k}::/48 window=/{54 + k}",
        _ => throw new AssertionException($"{path}: no configuration sample for a list of {element}; make it bindable and add one here"),
    };

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);

    private static void AssertEveryOptionArrived(WidescanOptions? bound, List<KeyValuePair<string, string>> values)
    {
        Assert.That(bound, Is.Not.Null);
        var checkedOptions = 0;
        Assert.Multiple(() =>
        {
            foreach (var (path, property, owner) in Settable(typeof(WidescanOptions), ""))
            {
                var actual = property.GetValue(Navigate(bound!, path));
                var defaultValue = property.GetValue(owner);
                var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                checkedOptions++;
                if (actual is IEnumerable list and not string)
                {
                    var element = type.GetGenericArguments()[0];
                    var expected = values.Where(v => v.Key.StartsWith(path + ":", StringComparison.Ordinal))
                        .Select(v => TypeDescriptor.GetConverter(element).ConvertFromInvariantString(v.Value)).ToList();
                    Assert.That(list, Is.EqualTo(expected), path);
                    Assert.That(expected, Has.Count.EqualTo(2), path);
                }
                else
                {
                    var text = values.Single(v => v.Key == path).Value;
                    var expected = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(text);
                    Assert.That(actual, Is.EqualTo(expected), path);
                    Assert.That(actual, Is.Not.EqualTo(defaultValue), $"{path} arrived unlike its default");
                }
            }
        });
        Assert.That(checkedOptions, Is.GreaterThan(40), "every option was looked at");
    }

    private static object Navigate(WidescanOptions options, string path)
    {
        object owner = options;
        foreach (var name in path.Split(':')[..^1])
            owner = owner.GetType().GetProperty(name)!.GetValue(owner) ?? throw new AssertionException($"{path}: {name} did not bind");
        return owner;
    }

    private static void Place(JsonObject root, string[] keys, string value)
    {
        var node = root;
        foreach (var key in keys[..^1])
            node = (node[key] ??= new JsonObject()).AsObject();
        node[keys[^1]] = value;
    }
}
