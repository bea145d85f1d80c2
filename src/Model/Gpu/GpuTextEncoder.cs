using Cacophony.Kernels.Gpu;
using Cacophony.Weights;
using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Model.Gpu;

/// <summary>
/// The causal RoBERTa text encoder (see <see cref="TextEncoder"/>) on an ILGPU accelerator: embeddings
/// gathered on the device, then <see cref="GpuRobertaLayer"/>s, causal flash-style attention per text (and
/// per-text KV caches when the caption decoder drives it). Token ids go up, hidden states come down.
/// </summary>
public sealed class GpuTextEncoder
{
    readonly GpuDevice _device;
    readonly RobertaConfig _config;
    readonly MemoryBuffer1D<float, Stride1D.Dense> _word, _position, _tokenType;
    readonly GpuNorm _embeddingNorm;
    readonly GpuRobertaLayer[] _layers;

    public int Width => _config.HiddenSize;
    public int LayerCount => _layers.Length;

    public GpuTextEncoder(GpuDevice device, GpuWeights weights, RobertaConfig config)
    {
        _device = device;
        _config = config;
        _word = weights.Tensor("text.embed.word");
        _position = weights.Tensor("text.embed.position");
        _tokenType = weights.Tensor("text.embed.token_type");
        _embeddingNorm = weights.Norm("text.embed.norm", config.LayerNormEps);
        _layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new GpuRobertaLayer(device, weights, $"text.layers.{i}", config, crossAttention: false)).ToArray();
    }

    /// <summary>
    /// Hidden states of a batch of texts (real tokens only), stacked in order, and with a pool, each text's
    /// pooled vector and projection computed on the device.
    /// </summary>
    public (float[] Hidden, float[][]? Pooled, float[][]? Projected) Forward(IReadOnlyList<int[]> batch, GpuAttentionPool? pool = null)
    {
        using var x = Run(batch, caches: null, out var offsets);
        var pooled = pool?.Run(_device, x.View, offsets);
        _device.Accelerator.Synchronize();
        return (x.GetAsArray1D(), pooled?.Pooled, pooled?.Projected);
    }

    /// <summary>
    /// The hidden states of `newIds` on the device (the caller disposes them): positions continue after what
    /// each text's caches hold, whose keys and values grow by the new tokens.
    /// </summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Run(IReadOnlyList<int[]> newIds, IReadOnlyList<GpuKvCache[]>? caches, out int[] offsets)
    {
        var accelerator = _device.Accelerator;
        var kernels = _device.Kernels;
        int t = Width;
        offsets = new int[newIds.Count + 1];
        for (int b = 0; b < newIds.Count; b++) offsets[b + 1] = offsets[b] + newIds[b].Length;
        int l = offsets[^1];
        if (l == 0 || newIds.Any(text => text.Length == 0)) throw new ArgumentException("a text with no tokens cannot be encoded");
        var positions = new int[l];
        for (int b = 0; b < newIds.Count; b++)
        {
            int start = caches is null ? 0 : caches[b][0].Length;
            if (start + newIds[b].Length > _config.MaxPositionEmbeddings) throw new ArgumentException($"{start + newIds[b].Length} tokens exceed the {_config.MaxPositionEmbeddings} positions");
            foreach (int id in newIds[b])
                if ((uint)id >= (uint)_config.VocabSize) throw new ArgumentException($"token id {id} outside the vocabulary of {_config.VocabSize}");
            for (int i = 0; i < newIds[b].Length; i++) positions[offsets[b] + i] = start + i;
        }
        using var deviceIds = accelerator.Allocate1D(newIds.SelectMany(ids => ids).ToArray());
        using var devicePositions = accelerator.Allocate1D(positions);
        var x = accelerator.Allocate1D<float>((long)l * t);
        kernels.Embed(deviceIds.View, devicePositions.View, _word.View, _position.View, _tokenType.View, x.View, l, t);
        _embeddingNorm.Apply(kernels, x.View, l, x.View);
        using var scratch = new GpuRobertaLayer.Scratch(accelerator, l, t, _config.IntermediateSize);
        for (int i = 0; i < _layers.Length; i++)
            _layers[i].Forward(x.View, offsets, scratch, caches?.Select(c => c[i]).ToArray());
        return x;
    }
}
