using Cacophony.Kernels.Cpu;
using Cacophony.Model.Captioning;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using System.Numerics.Tensors;

namespace Cacophony.Model;

/// <summary>
/// One post-LN RoBERTa layer, shared by the text encoder and the caption decoder:
/// x = LN(x + SelfAttn(x)) (causal), for the decoder x = LN(x + CrossAttn(x, audio)), then
/// x = LN(x + W2 GELU(W1 x)). Rows of several sequences are stacked so every dense layer is one GEMM;
/// attention stays within each sequence. With KV caches, the rows are the sequences' new tokens and
/// attend to everything cached before them.
/// </summary>
public sealed class RobertaLayer
{
    sealed record CrossAttention(Linear Query, Linear Key, Linear Value, Linear Out, Norm Norm);

    readonly Linear _qkv, _out, _fc1, _fc2;
    readonly Norm _attentionNorm, _mlpNorm;
    readonly CrossAttention? _cross;
    readonly int _width, _heads;
    readonly float _scale;

    public int Width => _width;
    public int IntermediateSize => _fc1.Outputs;

    public RobertaLayer(WeightLoader weights, string name, RobertaConfig config, bool crossAttention)
    {
        double eps = config.LayerNormEps;
        _width = config.HiddenSize;
        _heads = config.NumAttentionHeads;
        _scale = 1 / MathF.Sqrt(_width / _heads);
        _qkv = weights.FusedLinear($"{name}.attn.q", $"{name}.attn.k", $"{name}.attn.v");
        _out = weights.Linear($"{name}.attn.out");
        _attentionNorm = weights.Norm($"{name}.attn.norm", eps);
        if (crossAttention)
            _cross = new CrossAttention(weights.Linear($"{name}.cross_attn.q"), weights.Linear($"{name}.cross_attn.k"),
                weights.Linear($"{name}.cross_attn.v"), weights.Linear($"{name}.cross_attn.out"), weights.Norm($"{name}.cross_attn.norm", eps));
        _fc1 = weights.Linear($"{name}.mlp.fc1");
        _fc2 = weights.Linear($"{name}.mlp.fc2");
        _mlpNorm = weights.Norm($"{name}.mlp.norm", eps);
    }

    /// <summary>Cross-attention keys and values of a clip's audio hidden states (rows of the audio width).</summary>
    public CrossMemory Remember(ReadOnlySpan<float> audioHidden, int patches)
    {
        var cross = _cross ?? throw new InvalidOperationException("this layer has no cross-attention");
        return new CrossMemory(cross.Key.Apply(audioHidden, patches), cross.Value.Apply(audioHidden, patches), patches);
    }

    /// <summary>
    /// Runs the layer in place on x (all sequences' rows stacked; sequence b owns rows
    /// offsets[b] .. offsets[b+1]-1). With <paramref name="caches"/>, each sequence's keys and values are
    /// appended to its cache and its rows attend to the whole cache (causally); without, to its own rows.
    /// <paramref name="memories"/> (one per sequence) is required exactly when the layer cross-attends.
    /// </summary>
    public void Forward(Span<float> x, int[] offsets, IReadOnlyList<KvCache>? caches = null, IReadOnlyList<CrossMemory>? memories = null, Scratch? scratch = null)
    {
        int t = _width, l = offsets[^1], sequences = offsets.Length - 1;
        if ((_cross is null) != (memories is null)) throw new ArgumentException(_cross is null ? "this layer does not cross-attend" : "cross-attention needs the audio memory");
        if (x.Length < l * t) throw new ArgumentException($"x holds {x.Length} values, {l} x {t} needed");
        x = x[..(l * t)];
        using var own = scratch is null ? new Scratch() : null;
        scratch ??= own!;
        var qkv = scratch.Get(0, l * 3 * t);
        var attended = scratch.Get(1, l * t);
        var projected = scratch.Get(2, l * t);

        _qkv.Apply(x, l, qkv);
        for (int b = 0; b < sequences; b++)
        {
            int first = offsets[b], rows = offsets[b + 1] - first;
            if (rows == 0) continue;
            var block = qkv.Slice(first * 3 * t, rows * 3 * t);
            if (caches is null)
                Attention.Run(block, 3 * t, rows, block[t..], block[(2 * t)..], 3 * t, rows, t, _heads, causal: true, _scale, attended.Slice(first * t));
            else
            {
                var cache = caches[b];
                cache.AppendFromQkv(block, rows);
                Attention.Run(block, 3 * t, rows, cache.Keys, cache.Values, t, cache.Length, t, _heads, causal: true, _scale, attended.Slice(first * t));
            }
        }
        _out.ApplyAdd(attended, l, x, projected);
        _attentionNorm.Apply(projected, l, x);

        if (_cross is { } cross)
        {
            var query = qkv[..(l * t)];
            cross.Query.Apply(x, l, query);
            for (int b = 0; b < sequences; b++)
            {
                int first = offsets[b], rows = offsets[b + 1] - first;
                if (rows == 0) continue;
                var memory = memories![b];
                Attention.Run(query.Slice(first * t), t, rows, memory.Keys, memory.Values, t, memory.Length, t, _heads, causal: false, _scale, attended.Slice(first * t));
            }
            cross.Out.ApplyAdd(attended, l, x, projected);
            cross.Norm.Apply(projected, l, x);
        }

        var hidden = scratch.Get(3, l * IntermediateSize);
        _fc1.Apply(x, l, hidden, Activation.Gelu);
        _fc2.ApplyAdd(hidden, l, x, projected);
        _mlpNorm.Apply(projected, l, x);
    }
}
