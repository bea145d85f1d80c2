using Cacophony.Kernels.Gpu;
using Cacophony.Weights;
using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Model.Gpu;

/// <summary>
/// The causal RoBERTa text encoder (see <see cref="TextEncoder"/>) on an ILGPU accelerator: embeddings
/// gathered on the device, post-LN layers with the bias, GELU and residual adds fused into the GEMM
/// epilogues, causal flash-style attention per text. Token ids go up, hidden states come down.
/// </summary>
public sealed class GpuTextEncoder
{
    sealed record Layer(GpuLinear Qkv, GpuLinear Out, GpuNorm AttentionNorm, GpuLinear Fc1, GpuLinear Fc2, GpuNorm MlpNorm);

    readonly GpuDevice _device;
    readonly RobertaConfig _config;
    readonly MemoryBuffer1D<float, Stride1D.Dense> _word, _position, _tokenType;
    readonly GpuNorm _embeddingNorm;
    readonly Layer[] _layers;

    public int Width => _config.HiddenSize;

    public GpuTextEncoder(GpuDevice device, GpuWeights weights, RobertaConfig config)
    {
        _device = device;
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

    /// <summary>
    /// Hidden states of a batch of texts (real tokens only), stacked in order, and with a pool, each text's
    /// pooled vector and projection computed on the device.
    /// </summary>
    public (float[] Hidden, float[][]? Pooled, float[][]? Projected) Forward(IReadOnlyList<int[]> batch, GpuAttentionPool? pool = null)
    {
        var kernels = _device.Kernels;
        var accelerator = _device.Accelerator;
        int t = Width;
        var offsets = new int[batch.Count + 1];
        for (int b = 0; b < batch.Count; b++) offsets[b + 1] = offsets[b] + batch[b].Length;
        int l = offsets[^1];
        if (l == 0 || batch.Any(text => text.Length == 0)) throw new ArgumentException("a text with no tokens cannot be encoded");
        var ids = batch.SelectMany(x => x).ToArray();
        var positions = batch.SelectMany(x => Enumerable.Range(0, x.Length)).ToArray();
        foreach (var text in batch)
        {
            if (text.Length > _config.MaxPositionEmbeddings) throw new ArgumentException($"{text.Length} tokens exceed the {_config.MaxPositionEmbeddings} positions");
            foreach (int id in text)
                if ((uint)id >= (uint)_config.VocabSize) throw new ArgumentException($"token id {id} outside the vocabulary of {_config.VocabSize}");
        }
        using var deviceIds = accelerator.Allocate1D(ids);
        using var devicePositions = accelerator.Allocate1D(positions);
        using var x = accelerator.Allocate1D<float>((long)l * t);
        using var qkv = accelerator.Allocate1D<float>((long)l * 3 * t);
        using var attended = accelerator.Allocate1D<float>((long)l * t);
        using var projected = accelerator.Allocate1D<float>((long)l * t);
        using var hidden = accelerator.Allocate1D<float>((long)l * _config.IntermediateSize);

        kernels.Embed(deviceIds.View, devicePositions.View, _word.View, _position.View, _tokenType.View, x.View, l, t);
        _embeddingNorm.Apply(kernels, x.View, l, x.View);
        int heads = _config.NumAttentionHeads, d = t / heads;
        float scale = 1 / MathF.Sqrt(d);
        foreach (var layer in _layers)
        {
            layer.Qkv.Apply(kernels, x.View, l, qkv.View);
            for (int b = 0; b < batch.Count; b++)
            {
                int rows = batch[b].Length;
                if (rows == 0) continue;
                var text = qkv.View.From((long)offsets[b] * 3 * t);
                kernels.Attention(text, 3 * t, text.From(t), text.From(2 * t), 3 * t, attended.View.From((long)offsets[b] * t), t,
                    rows, rows, heads, d, causal: true, scale);
            }
            // x = LN(x + attended W_out + b); x = LN(x + W2 GELU(W1 x + b1) + b2), residuals fused into the GEMMs.
            layer.Out.Apply(kernels, attended.View, l, projected.View, Epilogue.None, x.View);
            layer.AttentionNorm.Apply(kernels, projected.View, l, x.View);
            layer.Fc1.Apply(kernels, x.View, l, hidden.View, Epilogue.Gelu);
            layer.Fc2.Apply(kernels, hidden.View, l, projected.View, Epilogue.None, x.View);
            layer.MlpNorm.Apply(kernels, projected.View, l, x.View);
        }
        var pooled = pool?.Run(_device, x.View, offsets);
        accelerator.Synchronize();
        return (x.GetAsArray1D(), pooled?.Pooled, pooled?.Projected);
    }
}
