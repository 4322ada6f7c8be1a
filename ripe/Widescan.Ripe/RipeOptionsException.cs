namespace Widescan.Ripe;

/// <summary>
/// An import was started with unusable <see cref="RipeFilterOptions"/>; <see cref="Errors"/> lists every
/// problem at once, each naming the option (<c>MinLength</c>, <c>NetnamePattern</c>, ...).
/// </summary>
public sealed class RipeOptionsException : ArgumentException
{
    /// <summary>Creates the exception from the list of problems.</summary>
    public RipeOptionsException(IReadOnlyList<string> errors)
        : base("invalid RIPE import options: " + string.Join("; ", errors)) => Errors = errors;

    /// <summary>Every problem found, one sentence each.</summary>
    public IReadOnlyList<string> Errors { get; }
}
