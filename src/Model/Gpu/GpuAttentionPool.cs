using Cacophony.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Model.Gpu;

/// <summary>
/// The attention pools (see <see cref="AttentionPool"/>) on the device, over hidden states that never left
/// it. Audio: k|v from one GEMM, the learned query attends per head with <see cref="AttentionKernel"/>
/// (8 heads of 96), then the output GEMM. Text: one head as wide as the model (768, beyond the attention
/// kernel's head width), so scores = K q by a GEMM, a softmax kernel, pooled = p V by a GEMM, then the
/// text projection. Only the pooled vectors come down.
/// </summary>
public sealed class GpuAttentionPool
{
    readonly MemoryBuffer1D<float, Stride1D.Dense> _query;
    readonly GpuLinear? _keyValue, _key, _value, _out;
    readonly int _heads, _width;

    GpuAttentionPool(MemoryBuffer1D<float, Stride1D.Dense> query, int heads, GpuLinear? keyValue, GpuLinear? key, GpuLinear? value, GpuLinear? output)
    {
        (_query, _heads, _keyValue, _key, _value, _out) = (query, heads, keyValue, key, value, output);
        _width = (int)query.Length;
    }

    public static GpuAttentionPool Audio(GpuWeights weights, int heads) =>
        new(weights.Tensor("audio_pool.query"), heads, weights.Linear("audio_pool.kv"), null, null, weights.Linear("audio_pool.out"));

    /// <summary>The text pool followed by the text projection (its output is the unnormalized embedding).</summary>
    public static GpuAttentionPool Text(GpuWeights weights) =>
        new(weights.Tensor("text_pool.query"), 1, null, weights.Linear("text_pool.key"), weights.Linear("text_pool.value"), weights.Linear("text_proj"));

    /// <summary>
    /// Pools each sequence (rows offsets[b] .. offsets[b+1]-1 of hidden): per sequence the pooled vector and,
    /// where this pool has an output layer, its projection.
    /// </summary>
    public (float[][] Pooled, float[][] Projected) Run(GpuDevice device, ArrayView<float> hidden, int[] offsets)
    {
        var kernels = device.Kernels;
        var accelerator = device.Accelerator;
        int sequences = offsets.Length - 1, rows = offsets[^1], w = _width, d = w / _heads;
        var pooled = new float[sequences][];
        var projected = new float[sequences][];
        using var pooledRows = accelerator.Allocate1D<float>((long)Math.Max(1, sequences) * w);
        using var outputs = accelerator.Allocate1D<float>((long)Math.Max(1, sequences) * (_out?.Outputs ?? 1));
        if (_keyValue is not null)
        {
            using var kv = accelerator.Allocate1D<float>((long)Math.Max(1, rows) * 2 * w);
            _keyValue.Apply(kernels, hidden, rows, kv.View);
            for (int b = 0; b < sequences; b++)
            {
                int count = offsets[b + 1] - offsets[b];
                var sequence = kv.View.From((long)offsets[b] * 2 * w);
                kernels.Attention(_query.View, 0, sequence, sequence.From(w), 2 * w, pooledRows.View.From((long)b * w), w, 1, count, _heads, d, causal: false, 1 / MathF.Sqrt(d));
            }
        }
        else
        {
            using var keys = accelerator.Allocate1D<float>((long)Math.Max(1, rows) * w);
            using var values = accelerator.Allocate1D<float>((long)Math.Max(1, rows) * w);
            using var scores = accelerator.Allocate1D<float>(Math.Max(1, rows));
            _key!.Apply(kernels, hidden, rows, keys.View);
            _value!.Apply(kernels, hidden, rows, values.View);
            for (int b = 0; b < sequences; b++)
            {
                int count = offsets[b + 1] - offsets[b];
                var sequenceScores = scores.View.From(offsets[b]);
                kernels.Gemm(keys.View.From((long)offsets[b] * w), _query.View, default, sequenceScores, count, w, 1);
                kernels.Softmax(sequenceScores, 1, count, 1 / MathF.Sqrt(w));
                kernels.Gemm(sequenceScores, values.View.From((long)offsets[b] * w), default, pooledRows.View.From((long)b * w), 1, count, w);
            }
        }
        if (_out is not null) _out.Apply(kernels, pooledRows.View, sequences, outputs.View);
        accelerator.Synchronize();
        var pooledAll = pooledRows.GetAsArray1D();
        var outputAll = _out is null ? [] : outputs.GetAsArray1D();
        for (int b = 0; b < sequences; b++)
        {
            pooled[b] = pooledAll.AsSpan(b * w, w).ToArray();
            projected[b] = _out is null ? pooled[b] : outputAll.AsSpan(b * _out.Outputs, _out.Outputs).ToArray();
        }
        return (pooled, projected);
    }
}
