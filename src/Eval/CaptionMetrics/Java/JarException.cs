namespace Cacophony.Eval.CaptionMetrics.Java;

/// <summary>A METEOR or SPICE jar that is missing, fails or answers out of protocol: one line naming the jar.</summary>
public sealed class JarException(string jar, string problem) : Exception($"{jar}: {problem}")
{
    public string Jar { get; } = jar;
}
