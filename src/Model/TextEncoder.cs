using Cacophony.Kernels;
using Cacophony.Model.Captioning;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using static Cacophony.Weights.Canonical.WeightMap;

namespace Cacophony.Model;

/// <summary>
/// The causal RoBERTa text encoder: word + position (0-based) + token-type embeddings and a LayerNorm,
/// then post-LN <see cref="RobertaLayer"/>s. Attention is causal, so padding (always at the end) never
/// reaches real tokens: only the real tokens are computed. The caption decoder runs it incrementally,
/// one new token per step, with a KV cache per layer.
/// </summary>
sealed class TextEncoder
{
    readonly IComputeBackend _backend;
    readonly RobertaConfig _config;
    readonly TokenEmbeddingWeights _embedding;
    readonly Norm _embeddingNorm;
    readonly RobertaLayer[] _layers;

    public int Width => _config.HiddenSize;
    public int LayerCount => _layers.Length;
    public IComputeBackend Backend => _backend;

    public TextEncoder(WeightLoader weights, RobertaConfig config)
    {
        _backend = weights.Backend;
        _config = config;
        _embedding = _backend.TokenEmbedding(weights.Table(Names.Text.WordEmbedding), weights.Tensor(Names.Text.PositionEmbedding), weights.Tensor(Names.Text.TokenTypeEmbedding));
        _embeddingNorm = weights.Norm(Names.Text.EmbeddingNorm, config.LayerNormEps);
        _layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new RobertaLayer(weights, Names.Text.Layer(i), config, crossAttention: false)).ToArray();
    }

    /// <summary>
    /// A batch of texts in one pass: all tokens are stacked so each dense layer is one product, attention
    /// stays within each text. Each text's rows equal those of a pass of its own.
    /// </summary>
    public Tensor Forward(IReadOnlyList<int[]> batch, out int[] offsets) => Forward(batch, caches: null, out offsets);

    /// <summary>
    /// Hidden states of `newIds` on the backend (the caller disposes them): positions continue after what each
    /// text's caches hold (per text, one cache per layer), whose keys and values grow by the new tokens.
    /// </summary>
    public Tensor Forward(IReadOnlyList<int[]> newIds, IReadOnlyList<KvCache[]>? caches, out int[] offsets)
    {
        int t = Width;
        offsets = new int[newIds.Count + 1];
        for (int b = 0; b < newIds.Count; b++) offsets[b + 1] = offsets[b] + newIds[b].Length;
        int l = offsets[^1];
        if (newIds.Count == 0 || newIds.Any(text => text.Length == 0)) throw new ArgumentException("a text with no tokens cannot be encoded");
        var positions = new int[l];
        for (int b = 0; b < newIds.Count; b++)
        {
            int start = caches is null ? 0 : caches[b][0].Length;
            if (start + newIds[b].Length > _config.MaxPositionEmbeddings) throw new ArgumentException($"{start + newIds[b].Length} tokens exceed the {_config.MaxPositionEmbeddings} positions");
            foreach (int id in newIds[b])
                if ((uint)id >= (uint)_config.VocabSize) throw new ArgumentException($"token id {id} outside the vocabulary of {_config.VocabSize}");
            for (int i = 0; i < newIds[b].Length; i++) positions[offsets[b] + i] = start + i;
        }
        var x = _backend.Allocate((long)l * t);
        _backend.EmbedTokens(_embedding, newIds.SelectMany(ids => ids).ToArray(), positions, x);
        _embeddingNorm.Apply(x, l, x);
        using var work = new Workspace(_backend);
        for (int i = 0; i < _layers.Length; i++)
            _layers[i].Forward(x, offsets, work, caches?.Select(c => c[i]).ToArray());
        return x;
    }

    /// <summary>One empty cache per layer, for a text decoded token by token.</summary>
    public KvCache[] NewCaches() => _layers.Select(_ => new KvCache(_backend, Width)).ToArray();
}
