using Cacophony.Kernels.Gpu;
using Cacophony.Weights;
using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Model.Gpu;

/// <summary>A clip's cross-attention keys and values for one decoder layer, on the device.</summary>
public sealed record GpuCrossMemory(MemoryBuffer1D<float, Stride1D.Dense> Keys, MemoryBuffer1D<float, Stride1D.Dense> Values, int Length) : IDisposable
{
    public void Dispose()
    {
        Keys.Dispose();
        Values.Dispose();
    }
}

/// <summary>
/// One post-LN RoBERTa layer on the device (see <see cref="RobertaLayer"/>): causal self-attention (with
/// per-sequence KV caches when given), optional cross-attention to a clip's memory, GELU MLP; the bias,
/// GELU and residual adds fused into the GEMM epilogues.
/// </summary>
public sealed class GpuRobertaLayer
{
    sealed record Cross(GpuLinear Query, GpuLinear Key, GpuLinear Value, GpuLinear Out, GpuNorm Norm);

    readonly GpuDevice _device;
    readonly GpuLinear _qkv, _out, _fc1, _fc2;
    readonly GpuNorm _attentionNorm, _mlpNorm;
    readonly Cross? _cross;
    readonly int _width, _heads;

    public GpuRobertaLayer(GpuDevice device, GpuWeights weights, string name, RobertaConfig config, bool crossAttention)
    {
        _device = device;
        double eps = config.LayerNormEps;
        _width = config.HiddenSize;
        _heads = config.NumAttentionHeads;
        _qkv = weights.FusedLinear($"{name}.attn.q", $"{name}.attn.k", $"{name}.attn.v");
        _out = weights.Linear($"{name}.attn.out");
        _attentionNorm = weights.Norm($"{name}.attn.norm", eps);
        if (crossAttention)
            _cross = new Cross(weights.Linear($"{name}.cross_attn.q"), weights.Linear($"{name}.cross_attn.k"), weights.Linear($"{name}.cross_attn.v"),
                weights.Linear($"{name}.cross_attn.out"), weights.Norm($"{name}.cross_attn.norm", eps));
        _fc1 = weights.Linear($"{name}.mlp.fc1");
        _fc2 = weights.Linear($"{name}.mlp.fc2");
        _mlpNorm = weights.Norm($"{name}.mlp.norm", eps);
    }

    public int IntermediateSize => _fc1.Outputs;

    /// <summary>Cross keys and values of a clip's hidden states already on the device.</summary>
    public GpuCrossMemory Remember(ArrayView<float> audioHidden, int patches)
    {
        var cross = _cross ?? throw new InvalidOperationException("this layer has no cross-attention");
        var accelerator = _device.Accelerator;
        var keys = accelerator.Allocate1D<float>((long)patches * _width);
        var values = accelerator.Allocate1D<float>((long)patches * _width);
        cross.Key.Apply(_device.Kernels, audioHidden, patches, keys.View);
        cross.Value.Apply(_device.Kernels, audioHidden, patches, values.View);
        return new GpuCrossMemory(keys, values, patches);
    }

    /// <summary>Work buffers sized for `rows` rows, shared by the layers of one pass.</summary>
    public sealed class Scratch(Accelerator accelerator, int rows, int width, int intermediate) : IDisposable
    {
        public readonly MemoryBuffer1D<float, Stride1D.Dense> Qkv = accelerator.Allocate1D<float>((long)Math.Max(1, rows) * 3 * width);
        public readonly MemoryBuffer1D<float, Stride1D.Dense> Attended = accelerator.Allocate1D<float>((long)Math.Max(1, rows) * width);
        public readonly MemoryBuffer1D<float, Stride1D.Dense> Projected = accelerator.Allocate1D<float>((long)Math.Max(1, rows) * width);
        public readonly MemoryBuffer1D<float, Stride1D.Dense> Hidden = accelerator.Allocate1D<float>((long)Math.Max(1, rows) * intermediate);

        public void Dispose()
        {
            Qkv.Dispose();
            Attended.Dispose();
            Projected.Dispose();
            Hidden.Dispose();
        }
    }

    /// <summary>
    /// x (rows of all sequences stacked, sequence b at offsets[b] .. offsets[b+1]-1) through the layer, in place.
    /// With caches, each sequence's k and v are appended and its rows attend to the whole cache.
    /// </summary>
    public void Forward(ArrayView<float> x, int[] offsets, Scratch scratch, IReadOnlyList<GpuKvCache>? caches = null, IReadOnlyList<GpuCrossMemory>? memories = null)
    {
        var kernels = _device.Kernels;
        int t = _width, l = offsets[^1], d = t / _heads;
        float scale = 1 / MathF.Sqrt(d);
        _qkv.Apply(kernels, x, l, scratch.Qkv.View);
        for (int b = 0; b + 1 < offsets.Length; b++)
        {
            int rows = offsets[b + 1] - offsets[b];
            if (rows == 0) continue;
            var block = scratch.Qkv.View.From((long)offsets[b] * 3 * t);
            var output = scratch.Attended.View.From((long)offsets[b] * t);
            if (caches is null)
                kernels.Attention(block, 3 * t, block.From(t), block.From(2 * t), 3 * t, output, t, rows, rows, _heads, d, causal: true, scale);
            else
            {
                var cache = caches[b];
                cache.AppendFromQkv(block, rows);
                kernels.Attention(block, 3 * t, cache.Keys, cache.Values, t, output, t, rows, cache.Length, _heads, d, causal: true, scale);
            }
        }
        _out.Apply(kernels, scratch.Attended.View, l, scratch.Projected.View, Epilogue.None, x);
        _attentionNorm.Apply(kernels, scratch.Projected.View, l, x);
        if (_cross is { } cross)
        {
            var query = scratch.Qkv.View;
            cross.Query.Apply(kernels, x, l, query);
            for (int b = 0; b + 1 < offsets.Length; b++)
            {
                int rows = offsets[b + 1] - offsets[b];
                if (rows == 0) continue;
                var memory = memories![b];
                kernels.Attention(query.From((long)offsets[b] * t), t, memory.Keys.View, memory.Values.View, t, scratch.Attended.View.From((long)offsets[b] * t), t,
                    rows, memory.Length, _heads, d, causal: false, scale);
            }
            cross.Out.Apply(kernels, scratch.Attended.View, l, scratch.Projected.View, Epilogue.None, x);
            cross.Norm.Apply(kernels, scratch.Projected.View, l, x);
        }
        _fc1.Apply(kernels, x, l, scratch.Hidden.View, Epilogue.Gelu);
        _fc2.Apply(kernels, scratch.Hidden.View, l, scratch.Projected.View, Epilogue.None, x);
        _mlpNorm.Apply(kernels, scratch.Projected.View, l, x);
    }
}
