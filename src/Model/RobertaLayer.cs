using Cacophony.Kernels;
using Cacophony.Model.Captioning;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using static Cacophony.Weights.Canonical.WeightMap;

namespace Cacophony.Model;

/// <summary>
/// One post-LN RoBERTa layer, shared by the text encoder and the caption decoder:
/// x = LN(x + SelfAttn(x)) (causal), for the decoder x = LN(x + CrossAttn(x, audio)), then
/// x = LN(x + W2 GELU(W1 x)). Rows of several sequences are stacked so every dense layer is one product;
/// attention stays within each sequence. With KV caches, the rows are the sequences' new tokens and
/// attend to everything cached before them.
/// </summary>
sealed class RobertaLayer
{
    sealed record CrossAttention(Linear Query, Linear Key, Linear Value, Linear Out, Norm Norm);

    readonly IComputeBackend _backend;
    readonly Linear _qkv, _out, _fc1, _fc2;
    readonly Norm _attentionNorm, _mlpNorm;
    readonly CrossAttention? _cross;
    readonly int _width, _heads;
    readonly float _scale;

    public int Width => _width;
    public int IntermediateSize => _fc1.Outputs;

    public RobertaLayer(WeightLoader weights, RobertaLayerNames name, RobertaConfig config, bool crossAttention)
    {
        _backend = weights.Backend;
        double eps = config.LayerNormEps;
        _width = config.HiddenSize;
        _heads = config.NumAttentionHeads;
        _scale = 1 / MathF.Sqrt(_width / _heads);
        _qkv = weights.FusedLinear(name.Query, name.Key, name.Value);
        _out = weights.Linear(name.Out);
        _attentionNorm = weights.Norm(name.AttentionNorm, eps);
        if (crossAttention)
            _cross = new CrossAttention(weights.Linear(name.CrossQuery), weights.Linear(name.CrossKey),
                weights.Linear(name.CrossValue), weights.Linear(name.CrossOut), weights.Norm(name.CrossNorm, eps));
        _fc1 = weights.Linear(name.Fc1);
        _fc2 = weights.Linear(name.Fc2);
        _mlpNorm = weights.Norm(name.MlpNorm, eps);
    }

    /// <summary>Cross-attention keys and values of a clip's audio hidden states (rows of the audio width, on the backend).</summary>
    public CrossMemory Remember(TensorView audioHidden, int patches)
    {
        var cross = _cross ?? throw new InvalidOperationException("this layer has no cross-attention");
        var keys = _backend.Allocate((long)patches * _width);
        var values = _backend.Allocate((long)patches * _width);
        cross.Key.Apply(audioHidden, patches, keys);
        cross.Value.Apply(audioHidden, patches, values);
        return new CrossMemory(keys, values, patches);
    }

    /// <summary>
    /// Runs the layer in place on x (all sequences' rows stacked; sequence b owns rows
    /// offsets[b] .. offsets[b+1]-1). With <paramref name="caches"/>, each sequence's keys and values are
    /// appended to its cache and its rows attend to the whole cache (causally); without, to its own rows.
    /// <paramref name="memories"/> (one per sequence) is required exactly when the layer cross-attends.
    /// </summary>
    public void Forward(TensorView x, int[] offsets, Workspace work, IReadOnlyList<KvCache>? caches = null, IReadOnlyList<CrossMemory>? memories = null)
    {
        int t = _width, l = offsets[^1], sequences = offsets.Length - 1;
        if ((_cross is null) != (memories is null)) throw new ArgumentException(_cross is null ? "this layer does not cross-attend" : "cross-attention needs the audio memory");
        var qkv = work.Get(0, (long)l * 3 * t);
        var attended = work.Get(1, (long)l * t);
        var projected = work.Get(2, (long)l * t);

        // x = LN(x + SelfAttn(x)), causal.
        _qkv.Apply(x, l, qkv);
        for (int b = 0; b < sequences; b++)
        {
            int first = offsets[b], rows = offsets[b + 1] - first;
            if (rows == 0) continue;
            var block = qkv.From((long)first * 3 * t);
            var output = attended.From((long)first * t);
            if (caches is null)
                _backend.Attention(block, 3 * t, rows, block.From(t), block.From(2 * t), 3 * t, rows, t, _heads, causal: true, _scale, output);
            else
            {
                var cache = caches[b];
                cache.AppendFromQkv(block, rows);
                _backend.Attention(block, 3 * t, rows, cache.Keys, cache.Values, t, cache.Length, t, _heads, causal: true, _scale, output);
            }
        }
        _out.ApplyAdd(attended, l, residual: x, projected);
        _attentionNorm.Apply(projected, l, x);

        // x = LN(x + CrossAttn(x, audio)).
        if (_cross is { } cross)
        {
            var query = qkv.Slice(0, (long)l * t);
            cross.Query.Apply(x, l, query);
            for (int b = 0; b < sequences; b++)
            {
                int first = offsets[b], rows = offsets[b + 1] - first;
                if (rows == 0) continue;
                var memory = memories![b];
                _backend.Attention(query.From((long)first * t), t, rows, memory.Keys, memory.Values, t, memory.Length, t, _heads, causal: false, _scale,
                    attended.From((long)first * t));
            }
            cross.Out.ApplyAdd(attended, l, residual: x, projected);
            cross.Norm.Apply(projected, l, x);
        }

        // x = LN(x + W2 GELU(W1 x)).
        var hidden = work.Get(3, (long)l * IntermediateSize);
        _fc1.Apply(x, l, hidden, Activation.Gelu);
        _fc2.ApplyAdd(hidden, l, residual: x, projected);
        _mlpNorm.Apply(projected, l, x);
    }
}
