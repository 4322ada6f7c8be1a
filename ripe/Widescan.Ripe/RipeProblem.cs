namespace Widescan.Ripe;

/// <summary>A problem found in an input: the file (or the name given for a stream), the 1-based line and what is wrong.</summary>
/// <param name="File">The file name, or the name the caller gave a stream.</param>
/// <param name="Line">The 1-based line of the problem (for an object, the line of the attribute at fault or where the object starts).</param>
/// <param name="Message">What is wrong, one sentence naming the object or attribute.</param>
public sealed record RipeProblem(string File, int Line, string Message)
{
    /// <summary>"file:line: message", the form compilers use, so editors can jump to it.</summary>
    public override string ToString() => $"{File}:{Line}: {Message}";
}
