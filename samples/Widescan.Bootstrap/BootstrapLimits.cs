using System.Globalization;

namespace Widescan.Bootstrap;

/// <summary>
/// The sample's own bounds (the <c>Bootstrap</c> configuration section): what unauthenticated traffic
/// and open pages may cost the server. Read once at start; every bad value is named at once.
/// </summary>
/// <param name="MaxPeers">Rows the peer book keeps (<c>Bootstrap:MaxPeers</c>); past it the least recently seen unauthenticated row goes first.</param>
/// <param name="MaxEventClients">Open <c>/events</c> streams (<c>Bootstrap:MaxEventClients</c>); one more gets 503.</param>
internal sealed record BootstrapLimits(int MaxPeers = BootstrapLimits.DefaultMaxPeers, int MaxEventClients = BootstrapLimits.DefaultMaxEventClients)
{
    public const int DefaultMaxPeers = 10_000;
    public const int DefaultMaxEventClients = 64;

    // A row costs ~1 KB with its indexes: a million rows is a gigabyte, more than a bootstrap server should hold.
    public const int MostPeers = 1_000_000;
    public const int MostEventClients = 10_000;

    /// <summary>The limits of a <c>Bootstrap</c> section; throws naming every bad key and the range it takes.</summary>
    public static BootstrapLimits From(Microsoft.Extensions.Configuration.IConfiguration section)
    {
        var errors = new List<string>();
        var limits = new BootstrapLimits(
            Read(section, nameof(MaxPeers), DefaultMaxPeers, MostPeers, errors),
            Read(section, nameof(MaxEventClients), DefaultMaxEventClients, MostEventClients, errors));
        return errors.Count == 0 ? limits : throw new InvalidOperationException("Bootstrap configuration: " + string.Join("; ", errors));
    }

    private static int Read(Microsoft.Extensions.Configuration.IConfiguration section, string key, int fallback, int most, List<string> errors)
    {
        if (section[key] is not { } text)
            return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value is >= 1 && value <= most)
            return value;
        errors.Add($"Bootstrap:{key} is '{text}': give a whole number from 1 to {most.ToString("N0", CultureInfo.InvariantCulture)} (default {fallback.ToString("N0", CultureInfo.InvariantCulture)})");
        return fallback;
    }
}
