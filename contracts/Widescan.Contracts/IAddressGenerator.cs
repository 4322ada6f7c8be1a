namespace Widescan.Contracts;

/// <summary>
/// Produces the targets of a <see cref="TargetSpec"/> in its keyed order. Exported through MEF with
/// <see cref="PartMetadata"/> (Kind "generator"); the discovery module picks one by
/// <see cref="Name"/>. Every generator yields the same sequence for the same spec, bit for bit, so a
/// GPU generator and a CPU generator are interchangeable, and a scan may resume on another.
/// </summary>
public interface IAddressGenerator
{
    /// <summary>The name the options and the command line use ("cpu", "gpu", a plugin's own).</summary>
    string Name { get; }

    /// <summary>What it runs on, for logs ("CPU, 16 threads, AVX-512", "CUDA: NVIDIA H100").</summary>
    string Description { get; }

    /// <summary>Whether it can serve on this machine now, and if not, why.</summary>
    GeneratorAvailability Availability { get; }

    /// <summary>
    /// Asks the generator to run on a given device (<see cref="WidescanOptions.GpuDevice"/>: an index,
    /// part of a device's name, or "emulator"), before <see cref="Availability"/> is read or a stream
    /// opened: the discovery module passes the option on this way, and a host that runs a generator
    /// itself may too. Returns false when the generator has no device to choose (the default, and the
    /// cpu generator's): the request is then ignored. A generator shared between runs may refuse a
    /// second, different device.
    /// </summary>
    /// <exception cref="InvalidOperationException">The generator has already chosen another device.</exception>
    bool SelectDevice(string device) => false;

    /// <summary>Opens the target stream of a spec, positioned at its <see cref="TargetSpec.StartCursor"/>.</summary>
    /// <exception cref="TargetSpecException">The spec is invalid.</exception>
    /// <exception cref="InvalidOperationException">The generator is not available; the message says why.</exception>
    IAddressStream Open(TargetSpec spec);
}

/// <summary>
/// One shard's targets, in order, read in batches. Not thread-safe: one consumer fills batches; the
/// generator may use many threads or a GPU inside <see cref="Fill"/>.
/// </summary>
public interface IAddressStream : IDisposable
{
    /// <summary>
    /// The positions this shard holds: the end value of <see cref="Cursor"/>. Exclusions and the
    /// blocklist are subtracted before the permutation, so nearly every position is a target; only an
    /// exclusion finer than the subnet window leaves positions that are skipped.
    /// </summary>
    ulong Positions { get; }

    /// <summary>
    /// The next position of this shard's sequence. Saving it after a batch and opening a spec with
    /// <see cref="TargetSpec.StartCursor"/> set to it continues exactly where this stream stopped.
    /// </summary>
    ulong Cursor { get; }

    /// <summary>
    /// The fingerprint of the address list a <see cref="TargetSpec.TargetFiles"/> stream loaded (its
    /// count and a hash of the sorted, distinct addresses left after exclusions: equal lists, equal
    /// fingerprints, however the files order or repeat them), saved in <see cref="ScanState.TargetsFingerprint"/>;
    /// null for a spec of prefixes, and by default.
    /// </summary>
    string? TargetsFingerprint => null;

    /// <summary>
    /// What the user should know about the targets, one sentence each: addresses of the targets files
    /// removed by exclusions or the blocklist (with their counts), an include that yields nothing. A
    /// host that runs a stream itself shows them; empty by default.
    /// </summary>
    IReadOnlyList<string> Warnings => [];

    /// <summary>
    /// Fills the batch with the next targets and returns how many it wrote; 0 only at the end of the
    /// shard. Allocates nothing; the batch size is the caller's choice.
    /// </summary>
    int Fill(Span<UInt128> batch);
}

/// <summary>Whether a generator can serve, and if not, why (for example "no CUDA or OpenCL GPU found").</summary>
/// <param name="IsAvailable">Whether <see cref="IAddressGenerator.Open"/> can be called.</param>
/// <param name="Reason">Why not, or a note on the device it will use.</param>
public readonly record struct GeneratorAvailability(bool IsAvailable, string Reason)
{
    /// <summary>Available, with a note.</summary>
    public static GeneratorAvailability Available(string note = "") => new(true, note);

    /// <summary>Not available, with the reason.</summary>
    public static GeneratorAvailability Unavailable(string reason) => new(false, reason);
}
