using Cacophony.Model.Layers;
using Cacophony.Weights;

namespace Cacophony.Model.Captioning;

/// <summary>
/// The caption decoder (Flax decoder_module): the causal text encoder runs on the caption so far, then
/// post-LN RoBERTa layers with causal self-attention and cross-attention to the clip's audio hidden states,
/// then the vocabulary projection. Every layer (text and decoder) keeps a KV cache, so a step costs one
/// token's row; the audio's cross keys and values are computed once per clip.
/// </summary>
public sealed class CaptionDecoder : ICaptionDecoder
{
    readonly TextEncoder _text;
    readonly RobertaLayer[] _layers;
    readonly Linear _vocabulary;

    public int VocabSize => _vocabulary.Outputs;

    public CaptionDecoder(WeightLoader weights, RobertaConfig config, TextEncoder text)
    {
        if (config.HiddenSize != text.Width) throw new ArgumentException($"decoder width {config.HiddenSize} differs from the text encoder's {text.Width}");
        _text = text;
        _layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new RobertaLayer(weights, $"decoder.layers.{i}", config, crossAttention: true)).ToArray();
        _vocabulary = weights.Linear("decoder.vocab");
    }

    /// <summary>Cross-attention keys and values of a clip's hidden states (its real patches), once per clip.</summary>
    public DecoderMemory Remember(ReadOnlySpan<float> audioHidden, int patches)
    {
        var layers = new CrossMemory[_layers.Length];
        for (int i = 0; i < layers.Length; i++) layers[i] = _layers[i].Remember(audioHidden, patches);
        return new DecoderMemory(layers);
    }

    /// <summary>An empty caption for a clip: nothing cached yet.</summary>
    public DecoderState Start(DecoderMemory memory) =>
        new(_text.NewCaches(), _layers.Select(l => new KvCache(l.Width)).ToArray(), memory);

    /// <summary>
    /// Feeds each state its new tokens (usually one) and returns the logits of each state's last new token,
    /// [states x vocabulary]. The states' caches grow by the fed tokens.
    /// </summary>
    public float[] Step(IReadOnlyList<DecoderState> states, IReadOnlyList<int[]> newIds)
    {
        if (states.Count != newIds.Count) throw new ArgumentException("one list of new ids per state");
        if (newIds.Any(ids => ids.Length == 0)) throw new ArgumentException("every state needs at least one new token");
        var hidden = Decode(newIds, states, out var offsets);
        int t = _text.Width;
        var last = new float[states.Count * t];
        for (int b = 0; b < states.Count; b++) hidden.AsSpan((offsets[b + 1] - 1) * t, t).CopyTo(last.AsSpan(b * t));
        return _vocabulary.Apply(last, states.Count);
    }

    /// <summary>
    /// Teacher-forced logits [ids.Length x vocabulary] of a whole prefix, recomputed from scratch without
    /// caches: the reference the cached path is tested against.
    /// </summary>
    public float[] TeacherForced(DecoderMemory memory, int[] ids)
    {
        var hidden = _text.Forward([ids], caches: null, out var offsets);
        using var scratch = new Scratch();
        foreach (var (layer, i) in _layers.Select((l, i) => (l, i)))
            layer.Forward(hidden, offsets, caches: null, [memory.Layers[i]], scratch);
        return _vocabulary.Apply(hidden, ids.Length);
    }

    ICaptionMemory ICaptionDecoder.Remember(ReadOnlySpan<float> audioHidden, int patches) => Remember(audioHidden, patches);

    ICaptionState ICaptionDecoder.Start(ICaptionMemory memory) => Start(Own(memory));

    float[] ICaptionDecoder.Step(IReadOnlyList<ICaptionState> states, IReadOnlyList<int[]> newIds) =>
        Step(states.Select(s => s as DecoderState ?? throw new ArgumentException("a caption state of another backend")).ToArray(), newIds);

    float[] ICaptionDecoder.TeacherForced(ICaptionMemory memory, int[] ids) => TeacherForced(Own(memory), ids);

    static DecoderMemory Own(ICaptionMemory memory) => memory as DecoderMemory ?? throw new ArgumentException("a clip memory of another backend");

    float[] Decode(IReadOnlyList<int[]> newIds, IReadOnlyList<DecoderState> states, out int[] offsets)
    {
        var hidden = _text.Forward(newIds, states.Select(s => s.Text).ToArray(), out offsets);
        using var scratch = new Scratch();
        for (int i = 0; i < _layers.Length; i++)
            _layers[i].Forward(hidden, offsets, states.Select(s => s.Decoder[i]).ToArray(), states.Select(s => s.Memory.Layers[i]).ToArray(), scratch);
        return hidden;
    }
}
