namespace Cacophony.Model.FrontEnd;

/// <summary>How patch sequences are shaped for the encoder.</summary>
public enum SequencePadding
{
    /// <summary>Pad to <see cref="SequencePolicy.Length"/> with zero patches (t = f = 0, mask 0), as the original does.</summary>
    Pad,
    /// <summary>No padding: only real patches. The encoder gives the same numbers, since padding is masked.</summary>
    Exact,
}

/// <summary>Which patches to keep when a clip has more than <see cref="SequencePolicy.Length"/>.</summary>
public enum SequenceOverflow
{
    /// <summary>A random subset, kept in order; seeded (the original's unseeded shuffle made results vary between runs).</summary>
    Random,
    /// <summary>The first patches (the start of the clip).</summary>
    First,
    /// <summary>The sorted indices given in <see cref="SequencePolicy.KeepIndices"/>.</summary>
    Indices,
}

/// <summary>
/// The sequence policy: 500 patches (10 s) for zero-shot classification, 1500 (30 s) for retrieval and
/// captioning; padding and the choice among surplus patches are explicit.
/// </summary>
public sealed record SequencePolicy
{
    public SequencePadding Padding { get; init; } = SequencePadding.Pad;
    public int Length { get; init; } = 500;
    public SequenceOverflow Overflow { get; init; } = SequenceOverflow.Random;
    public int Seed { get; init; }
    public int[]? KeepIndices { get; init; }

    public static SequencePolicy ZeroShot => new() { Length = 500 };
    public static SequencePolicy RetrievalAndCaptioning => new() { Length = 1500 };
}
