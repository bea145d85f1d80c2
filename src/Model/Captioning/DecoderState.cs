namespace Cacophony.Model.Captioning;

/// <summary>The cross-attention memory of one clip for every decoder layer, computed once per clip.</summary>
public sealed record DecoderMemory(CrossMemory[] Layers) : ICaptionMemory
{
    public void Dispose()
    {
    }
}

/// <summary>
/// One caption being written: the KV caches of the 12 text layers and the decoder layers, and the clip's
/// memory. Beam search clones it when two continuations share a parent.
/// </summary>
public sealed class DecoderState(KvCache[] text, KvCache[] decoder, DecoderMemory memory) : ICaptionState
{
    public KvCache[] Text { get; } = text;
    public KvCache[] Decoder { get; } = decoder;
    public DecoderMemory Memory { get; } = memory;

    /// <summary>Tokens fed so far (the next token's position id).</summary>
    public int Length => Text[0].Length;

    public DecoderState Clone() => new(Text.Select(c => c.Clone()).ToArray(), Decoder.Select(c => c.Clone()).ToArray(), Memory);

    ICaptionState ICaptionState.Clone() => Clone();

    /// <summary>Nothing to free: the caches are managed arrays.</summary>
    public void Dispose()
    {
    }
}
