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
        IAddressGenerator? generator;
        try
        {
            generator = catalog.FindGenerator(name);
            if (generator is null)
            {
                stderr.WriteLine($"widescan: {PartLookup.NotFound(catalog.Generators(), PartKinds.Generator, Printable.Escape(name))} (see widescan plugins)");
                return null;
            }

            // WidescanOptions.GpuDevice, as the discovery module passes it; a generator without devices ignores it.
            if (gpuDevice is not null)
                generator.SelectDevice(gpuDevice);
        }
        catch (InvalidOperationException e)
        {
            // Two plugins export the name (DuplicatePartException), or the device was chosen already.
            stderr.WriteLine($"widescan: {Printable.Escape(e.Message)}");
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
