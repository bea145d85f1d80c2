using Cacophony.Model.Captioning;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using System.Numerics.Tensors;

namespace Cacophony.Model;

/// <summary>
/// The causal RoBERTa text encoder: word + position (0-based) + token-type embeddings and a LayerNorm,
/// then post-LN <see cref="RobertaLayer"/>s. Attention is causal, so padding (always at the end) never
/// reaches real tokens: only the real tokens are computed. The caption decoder runs it incrementally,
/// one new token per step, with a KV cache per layer.
/// </summary>
public sealed class TextEncoder
{
    readonly RobertaConfig _config;
    readonly EmbeddingTable _word;
    readonly float[] _position, _tokenType;
    readonly Norm _embeddingNorm;
    readonly RobertaLayer[] _layers;

    public int Width => _config.HiddenSize;
    public int LayerCount => _layers.Length;

    public TextEncoder(WeightLoader weights, RobertaConfig config)
    {
        _config = config;
        _word = weights.Table("text.embed.word");
        _position = weights.Tensor("text.embed.position");
        _tokenType = weights.Tensor("text.embed.token_type");
        _embeddingNorm = weights.Norm("text.embed.norm", config.LayerNormEps);
        _layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new RobertaLayer(weights, $"text.layers.{i}", config, crossAttention: false)).ToArray();
    }

    /// <summary>Hidden states [ids.Length, width] of the real tokens.</summary>
    public float[] Forward(int[] ids) => Forward([ids]);

    /// <summary>
    /// A batch of texts in one pass: all tokens are stacked so each dense layer is one GEMM, attention
    /// stays within each text. Each text's rows equal those of a pass of its own.
    /// </summary>
    public float[] Forward(IReadOnlyList<int[]> batch) => Forward(batch, caches: null, out _);

    /// <summary>
    /// Continues texts whose earlier tokens are in <paramref name="caches"/> (per text, one cache per layer):
    /// the new ids take the positions after the cached ones. Returns the new tokens' hidden states stacked.
    /// </summary>
    public float[] Forward(IReadOnlyList<int[]> newIds, IReadOnlyList<KvCache[]>? caches, out int[] offsets)
    {
        int t = Width;
        offsets = new int[newIds.Count + 1];
        for (int b = 0; b < newIds.Count; b++) offsets[b + 1] = offsets[b] + newIds[b].Length;
        var x = new float[offsets[^1] * t];
        for (int b = 0; b < newIds.Count; b++)
        {
            int start = caches is null ? 0 : caches[b][0].Length;
            Embed(newIds[b], start, x.AsSpan(offsets[b] * t, newIds[b].Length * t));
        }
        _embeddingNorm.Apply(x, offsets[^1], x);
        using var scratch = new Scratch();
        for (int i = 0; i < _layers.Length; i++)
            _layers[i].Forward(x, offsets, caches?.Select(c => c[i]).ToArray(), memories: null, scratch);
        return x;
    }

    /// <summary>One empty cache per layer, for a text decoded token by token.</summary>
    public KvCache[] NewCaches() => _layers.Select(_ => new KvCache(Width)).ToArray();

    /// <summary>word[id] + position[start + i] + token_type[0] for each id, before the embedding LayerNorm.</summary>
    void Embed(int[] ids, int start, Span<float> rows)
    {
        int t = Width;
        if (start + ids.Length > _config.MaxPositionEmbeddings) throw new ArgumentException($"{start + ids.Length} tokens exceed the {_config.MaxPositionEmbeddings} positions");
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)_config.VocabSize) throw new ArgumentException($"token id {ids[i]} outside the vocabulary of {_config.VocabSize}");
            var row = rows.Slice(i * t, t);
            _word.CopyRow(ids[i], row);
            TensorPrimitives.Add(row, _position.AsSpan((start + i) * t, t), row);
            TensorPrimitives.Add(row, _tokenType.AsSpan(0, t), row);
        }
    }
}
