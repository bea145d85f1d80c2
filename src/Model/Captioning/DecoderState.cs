namespace Cacophony.Model.Captioning;

/// <summary>The cross-attention memory of one clip for every decoder layer, computed once per clip; dispose it when its captions are done.</summary>
public sealed class DecoderMemory : IDisposable
{
    internal CrossMemory[] Layers { get; }

    internal DecoderMemory(CrossMemory[] layers) => Layers = layers;

    public void Dispose()
    {
        foreach (var layer in Layers) layer.Dispose();
    }
}

/// <summary>
/// One caption being written: the KV caches of the text layers and the decoder layers, and the clip's memory.
/// Beam search clones it when two continuations share a parent.
/// </summary>
public sealed class DecoderState : IDisposable
{
    internal KvCache[] Text { get; }
    internal KvCache[] Decoder { get; }
    internal DecoderMemory Memory { get; }

    internal DecoderState(KvCache[] text, KvCache[] decoder, DecoderMemory memory) => (Text, Decoder, Memory) = (text, decoder, memory);

    /// <summary>Tokens fed so far (the next token's position id).</summary>
    public int Length => Text[0].Length;

    /// <summary>An independent copy (a beam that continues from this one).</summary>
    public DecoderState Clone() => new(Text.Select(c => c.Clone()).ToArray(), Decoder.Select(c => c.Clone()).ToArray(), Memory);

    /// <summary>Frees the caches (the clip's memory belongs to whoever remembered it).</summary>
    public void Dispose()
    {
        foreach (var cache in Text.Concat(Decoder)) cache.Dispose();
    }
}
