using Widescan.Contracts;

namespace Widescan.Host.Commands;

/// <summary>Resumes a scan from an existing <c>--state</c> file, refusing a file of another scan.</summary>
internal static class ScanResume
{
    /// <summary>
    /// The spec set to the saved cursor and the state read, or the spec unchanged and no state with the
    /// reason in <paramref name="errors"/>. Without --seed the spec's seed is a fresh random one, which
    /// could never match: the saved seed is taken instead, since it is part of what the file records.
    /// </summary>
    public static (TargetSpec Spec, ScanState? State) Apply(FileInfo file, TargetSpec spec, bool seedGiven, List<string> errors)
    {
        ScanState state;
        try
        {
            state = ScanState.Load(file.FullName);
        }
        catch (InvalidDataException e)
        {
            // The message names the file already ("state file F: field 'cursor' is missing").
            const string Lead = "state file ";
            errors.Add(e.Message.StartsWith(Lead, StringComparison.Ordinal) ? $"--state {e.Message[Lead.Length..]}" : $"--state {e.Message}");
            return (spec, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"--state {file.FullName}: {e.Message}");
            return (spec, null);
        }

        var candidate = seedGiven ? spec : spec with { Seed = state.Seed };
        if (state.Difference(candidate) is { } why)
        {
            errors.Add($"--state {file.FullName}: the saved state is of another scan: {TargetOptions.Flags(why)}");
            return (spec, null);
        }

        return (state.ResumeFrom(candidate), state);
    }
}
