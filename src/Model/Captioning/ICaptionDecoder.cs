namespace Cacophony.Model.Captioning;

/// <summary>A clip's cross-attention keys and values, computed once, held by whichever backend decodes (dispose when done: on a GPU it is device memory).</summary>
public interface ICaptionMemory : IDisposable;

/// <summary>One caption in progress: its KV caches (16 layers) and its clip's memory.</summary>
public interface ICaptionState : IDisposable
{
    /// <summary>Tokens fed so far (the next token's position id).</summary>
    int Length { get; }

    /// <summary>An independent copy (a beam that continues from this one).</summary>
    ICaptionState Clone();
}

/// <summary>
/// The caption decoder as <see cref="CaptionSearch"/> drives it, on the CPU engine (<see cref="CaptionDecoder"/>)
/// or on a GPU (Gpu.GpuCaptionDecoder).
/// </summary>
public interface ICaptionDecoder
{
    int VocabSize { get; }

    /// <summary>Cross-attention keys and values of a clip's hidden states (its real patches), once per clip.</summary>
    ICaptionMemory Remember(ReadOnlySpan<float> audioHidden, int patches);

    /// <summary>An empty caption for a clip.</summary>
    ICaptionState Start(ICaptionMemory memory);

    /// <summary>Feeds each state its new tokens and returns the logits of each state's last new token, [states x vocabulary].</summary>
    float[] Step(IReadOnlyList<ICaptionState> states, IReadOnlyList<int[]> newIds);

    /// <summary>Teacher-forced logits [ids x vocabulary] of a whole prefix, recomputed without caches.</summary>
    float[] TeacherForced(ICaptionMemory memory, int[] ids);
}
