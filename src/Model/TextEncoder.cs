using Cacophony.Kernels.Cpu;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using System.Numerics.Tensors;

namespace Cacophony.Model;

/// <summary>
/// The causal RoBERTa text encoder: word + position (0-based) + token-type embeddings and a LayerNorm,
/// then post-LN layers x = LN(x + Attn(x)), x = LN(x + W2 GELU(W1 x)). Attention is causal, so padding
/// (always at the end) never reaches real tokens: only the real tokens are computed.
/// </summary>
public sealed class TextEncoder
{
    internal sealed record Layer(Linear Qkv, Linear Out, Norm AttentionNorm, Linear Fc1, Linear Fc2, Norm MlpNorm);

    readonly RobertaConfig _config;
    readonly float[] _word, _position, _tokenType;
    readonly Norm _embeddingNorm;
    readonly Layer[] _layers;

    public int Width => _config.HiddenSize;

    public TextEncoder(WeightLoader weights, RobertaConfig config)
    {
        _config = config;
        double eps = config.LayerNormEps;
        _word = weights.Tensor("text.embed.word");
        _position = weights.Tensor("text.embed.position");
        _tokenType = weights.Tensor("text.embed.token_type");
        _embeddingNorm = weights.Norm("text.embed.norm", eps);
        _layers = Enumerable.Range(0, config.NumHiddenLayers).Select(i => new Layer(
            weights.FusedLinear($"text.layers.{i}.attn.q", $"text.layers.{i}.attn.k", $"text.layers.{i}.attn.v"),
            weights.Linear($"text.layers.{i}.attn.out"),
            weights.Norm($"text.layers.{i}.attn.norm", eps),
            weights.Linear($"text.layers.{i}.mlp.fc1"), weights.Linear($"text.layers.{i}.mlp.fc2"),
            weights.Norm($"text.layers.{i}.mlp.norm", eps))).ToArray();
    }

    /// <summary>Hidden states [ids.Length, width] of the real tokens.</summary>
    public float[] Forward(int[] ids) => Forward([ids]);

    /// <summary>
    /// A batch of texts in one pass: all tokens are stacked so each dense layer is one GEMM, attention
    /// stays within each text. Each text's rows equal those of a pass of its own.
    /// </summary>
    public float[] Forward(IReadOnlyList<int[]> batch)
    {
        int t = Width;
        var offsets = new int[batch.Count + 1];
        for (int b = 0; b < batch.Count; b++) offsets[b + 1] = offsets[b] + batch[b].Length;
        int l = offsets[^1];
        var x = new float[l * t];
        for (int b = 0; b < batch.Count; b++)
        {
            var ids = batch[b];
            if (ids.Length > _config.MaxPositionEmbeddings) throw new ArgumentException($"{ids.Length} tokens exceed the {_config.MaxPositionEmbeddings} positions");
            for (int i = 0; i < ids.Length; i++)
            {
                if ((uint)ids[i] >= (uint)_config.VocabSize) throw new ArgumentException($"token id {ids[i]} outside the vocabulary of {_config.VocabSize}");
                var row = x.AsSpan((offsets[b] + i) * t, t);
                TensorPrimitives.Add(_word.AsSpan(ids[i] * t, t), _position.AsSpan(i * t, t), row);
                TensorPrimitives.Add(row, _tokenType.AsSpan(0, t), row);
            }
        }
        _embeddingNorm.Apply(x, l, x);

        var qkv = new float[l * 3 * t];
        var attended = new float[l * t];
        var projected = new float[l * t];
        var hidden = new float[l * _config.IntermediateSize];
        float scale = 1 / MathF.Sqrt(t / _config.NumAttentionHeads);
        foreach (var layer in _layers)
        {
            layer.Qkv.Apply(x, l, qkv);
            for (int b = 0; b < batch.Count; b++)
            {
                int from = offsets[b] * 3 * t, rows = batch[b].Length;
                Attention.Run(qkv.AsSpan(from), 3 * t, rows, qkv.AsSpan(from + t), qkv.AsSpan(from + 2 * t), 3 * t, rows, t, _config.NumAttentionHeads,
                    causal: true, scale, attended.AsSpan(offsets[b] * t));
            }
            layer.Out.Apply(attended, l, projected);
            TensorPrimitives.Add(projected, x, projected);
            layer.AttentionNorm.Apply(projected, l, x);

            layer.Fc1.Apply(x, l, hidden);
            Activations.Gelu(hidden);
            layer.Fc2.Apply(hidden, l, projected);
            TensorPrimitives.Add(projected, x, projected);
            layer.MlpNorm.Apply(projected, l, x);
        }
        return x;
    }
}
