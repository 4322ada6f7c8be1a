using Serilog;
using Widescan.Contracts;
using Widescan.Host.Input;
using Widescan.Hosting.Plugins;

namespace Widescan.Host.Commands;

/// <summary>Finds the generator a command line names, or says why it cannot serve.</summary>
internal static class GeneratorChoice
{
    /// <summary>The generator, or null after writing one line that says what is wrong.</summary>
    public static IAddressGenerator? Resolve(PluginCatalog catalog, string name, string? gpuDevice, TextWriter stderr)
    {
        if (gpuDevice is not null)
            GpuDeviceSelection.Apply(gpuDevice);

        var generator = catalog.FindGenerator(name);
        if (generator is null)
        {
            var names = catalog.Generators().Select(g => g.Metadata.Name).Order().ToList();
            stderr.WriteLine(names.Count == 0
                ? $"widescan: no generator named '{Printable.Escape(name)}': no plugin exports a generator (see widescan plugins)"
                : $"widescan: no generator named '{Printable.Escape(name)}'; the plugins offer: {string.Join(", ", names)}");
            return null;
        }

        var availability = generator.Availability;
        if (!availability.IsAvailable)
        {
            stderr.WriteLine($"widescan: generator '{generator.Name}' cannot serve: {OptionFlags.Translate(availability.Reason)}");
            return null;
        }

        Log.Information("Generator {Name}: {Description} {Note}", generator.Name, generator.Description, availability.Reason);
        return generator;
    }
}
