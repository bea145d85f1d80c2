using Cacophony.Kernels;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using static Cacophony.Weights.Canonical.WeightMap;

namespace Cacophony.Model.Captioning;

/// <summary>
/// The caption decoder (Flax decoder_module): the causal text encoder runs on the caption so far, then
/// post-LN RoBERTa layers with causal self-attention and cross-attention to the clip's audio hidden states,
/// then the vocabulary projection. Every layer (text and decoder) keeps a KV cache, so a step costs one
/// token's row; the audio's cross keys and values are computed once per clip. Everything stays on the
/// backend but each step's last-token logits.
/// </summary>
public sealed class CaptionDecoder
{
    readonly IComputeBackend _backend;
    readonly TextEncoder _text;
    readonly RobertaLayer[] _layers;
    readonly Linear _vocabulary;

    public int VocabSize => _vocabulary.Outputs;

    internal CaptionDecoder(WeightLoader weights, RobertaConfig config, TextEncoder text)
    {
        if (config.HiddenSize != text.Width) throw new ArgumentException($"decoder width {config.HiddenSize} differs from the text encoder's {text.Width}");
        _backend = weights.Backend;
        _text = text;
        _layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new RobertaLayer(weights, Names.Decoder.Layer(i), config, crossAttention: true)).ToArray();
        _vocabulary = weights.Linear(Names.Decoder.Vocabulary);
    }

    /// <summary>Cross-attention keys and values of a clip's hidden states (its real patches), once per clip.</summary>
    public DecoderMemory Remember(ReadOnlySpan<float> audioHidden, int patches)
    {
        using var hidden = _backend.Upload(audioHidden);
        return new DecoderMemory(_layers.Select(layer => layer.Remember(hidden, patches)).ToArray());
    }

    /// <summary>An empty caption for a clip: nothing cached yet.</summary>
    public DecoderState Start(DecoderMemory memory) =>
        new(_text.NewCaches(), _layers.Select(l => new KvCache(_backend, l.Width)).ToArray(), memory);

    /// <summary>
    /// Feeds each state its new tokens (usually one) and returns the logits of each state's last new token,
    /// [states x vocabulary]. The states' caches grow by the fed tokens.
    /// </summary>
    public float[] Step(IReadOnlyList<DecoderState> states, IReadOnlyList<int[]> newIds)
    {
        if (states.Count != newIds.Count) throw new ArgumentException("one list of new ids per state");
        if (newIds.Any(ids => ids.Length == 0)) throw new ArgumentException("every state needs at least one new token");
        using var hidden = Decode(newIds, states.Select(s => s.Text).ToArray(), states.Select(s => s.Decoder).ToArray(), states.Select(s => s.Memory).ToArray(), out var offsets);
        int t = _text.Width;
        using var last = _backend.Allocate((long)states.Count * t);
        for (int b = 0; b < states.Count; b++) _backend.CopyRows(hidden.From((long)(offsets[b + 1] - 1) * t), t, last.From((long)b * t), t, 1, t);
        return Vocabulary(last, states.Count);
    }

    /// <summary>
    /// Teacher-forced logits [ids.Length x vocabulary] of a whole prefix, recomputed from scratch without
    /// caches: the reference the cached path is tested against.
    /// </summary>
    public float[] TeacherForced(DecoderMemory memory, int[] ids)
    {
        using var hidden = Decode([ids], caches: null, decoderCaches: null, [memory], out _);
        return Vocabulary(hidden, ids.Length);
    }

    Tensor Decode(IReadOnlyList<int[]> newIds, IReadOnlyList<KvCache[]>? caches, IReadOnlyList<KvCache[]>? decoderCaches, IReadOnlyList<DecoderMemory> memories, out int[] offsets)
    {
        var x = _text.Forward(newIds, caches, out offsets);
        using var work = new Workspace(_backend);
        for (int i = 0; i < _layers.Length; i++)
            _layers[i].Forward(x, offsets, work, decoderCaches?.Select(c => c[i]).ToArray(), memories.Select(m => m.Layers[i]).ToArray());
        return x;
    }

    float[] Vocabulary(TensorView rows, int count)
    {
        using var logits = _backend.Allocate((long)count * VocabSize);
        _vocabulary.Apply(rows, count, logits);
        var values = new float[count * VocabSize];
        _backend.Download(logits, values);
        return values;
    }
}
