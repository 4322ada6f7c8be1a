namespace Widescan.Contracts;

/// <summary>
/// Runs a scan and/or listens, as configured by <see cref="WidescanOptions"/>. Exported through MEF with
/// <see cref="PartMetadata"/> (Kind "module").
/// </summary>
public interface IDiscoveryModule
{
    /// <summary>The module's name ("discovery").</summary>
    string Name { get; }

    /// <summary>
    /// Runs until the scan and its cooldown end (or, listening only, until the listen duration ends or
    /// the token is cancelled), yielding events as they happen. Cancelling stops cleanly: the last event
    /// is always a <see cref="ScanFinished"/> with the summary and the cursor to resume from.
    /// </summary>
    /// <exception cref="WidescanOptionsException">The options are invalid.</exception>
    IAsyncEnumerable<DiscoveryEvent> RunAsync(WidescanOptions options, CancellationToken cancellationToken = default);
}
