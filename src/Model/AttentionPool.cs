using Cacophony.Kernels.Cpu;
using Cacophony.Model.Layers;

namespace Cacophony.Model;

/// <summary>
/// Attention pooling with a learned query: per head, softmax over the positions of q . k_j / sqrt(d)
/// weights the values; heads are concatenated head-major. The audio pool (8 heads) takes k and v from one
/// dense layer (first half k) and projects the result; the text pool is one head with its own k and v layers.
/// </summary>
public sealed class AttentionPool
{
    readonly float[] _query;
    readonly Linear? _keyValue;
    readonly Linear? _key, _value;
    readonly Linear? _out;
    readonly int _heads;

    AttentionPool(float[] query, int heads, Linear? keyValue, Linear? key, Linear? value, Linear? output)
    {
        _query = query;
        _heads = heads;
        _keyValue = keyValue;
        _key = key;
        _value = value;
        _out = output;
    }

    public static AttentionPool Audio(WeightLoader weights, int heads) =>
        new(weights.Tensor("audio_pool.query"), heads, weights.Linear("audio_pool.kv"), null, null, weights.Linear("audio_pool.out"));

    public static AttentionPool Text(WeightLoader weights) =>
        new(weights.Tensor("text_pool.query"), 1, null, weights.Linear("text_pool.key"), weights.Linear("text_pool.value"), null);

    /// <summary>The pooled vector of `rows` hidden states (before any output projection is applied by the caller for text).</summary>
    public float[] Forward(ReadOnlySpan<float> hidden, int rows)
    {
        int width = _query.Length;
        var pooled = new float[width];
        float scale = 1 / MathF.Sqrt(width / _heads);
        if (_keyValue is not null)
        {
            // k | v side by side in each row of one product, read in place with a row stride of 2 x width.
            var kv = _keyValue.Apply(hidden, rows);
            Attention.Run(_query, width, 1, kv, kv.AsSpan(width), 2 * width, rows, width, _heads, causal: false, scale, pooled);
        }
        else
            Attention.Run(_query, 1, _key!.Apply(hidden, rows), _value!.Apply(hidden, rows), rows, width, _heads, causal: false, scale, pooled);
        return _out is null ? pooled : _out.Apply(pooled, 1);
    }
}
