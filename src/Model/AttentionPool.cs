using System.Numerics.Tensors;
using Cacophony.Kernels.Cpu;
using Cacophony.Model.Layers;

namespace Cacophony.Model;

/// <summary>
/// Attention pooling with a learned query: per head, softmax over the positions of q . k_j / sqrt(d)
/// weights the values; heads are concatenated head-major. The audio pool (8 heads) takes k and v from one
/// dense layer (first half k) and projects the result; the text pool is one head with its own k and v layers.
///
/// With a single query, the keys and values of the positions need not be formed (for audio they were a
/// rows x 768 x 1536 product, 1.4% of a 5 s clip's encoding). Per head, with W_k, b_k, W_v, b_v its slices:
/// q . (h_j W_k + b_k) = h_j . (W_k q) + q . b_k, and the last term, the same at every position, cancels in
/// the softmax; the weights p_j sum to 1, so sum_j p_j (h_j W_v + b_v) = (sum_j p_j h_j) W_v + b_v. So each
/// head scores the hidden states against one vector W_k q (made at load, in float64), averages them with
/// the softmax weights and applies its value slice to that average: the same function, rounded differently
/// (float32 differences of a few ulps; the parity tests bound them).
/// </summary>
public sealed class AttentionPool
{
    readonly PackedMatrix _scorers;
    readonly Linear[] _values;
    readonly Linear? _out;
    readonly float _scale;

    /// <param name="query">The learned query (heads x d).</param>
    /// <param name="key">W_k: `inputs` rows of heads x d columns, `keyStride` floats apart (its bias cancels, so it is not read).</param>
    /// <param name="value">W_v as the (in, out) rows of a matrix `valueStride` floats wide, its first column at `valueColumn`; b_v from `valueBias`.</param>
    AttentionPool(float[] query, int heads, int inputs, float[] key, int keyStride, float[] value, int valueStride, int valueColumn,
        ReadOnlySpan<float> valueBias, Linear? output)
    {
        int width = query.Length, d = width / heads;
        if (heads <= 0 || width % heads != 0) throw new ArgumentException($"{heads} pooling heads do not divide the query's {width} values");
        _scale = 1 / MathF.Sqrt(d);
        _out = output;
        // Column h of the scorers is W_k q for head h: scores of all heads are one product with the hidden states.
        var scorers = new float[inputs * heads];
        for (int i = 0; i < inputs; i++)
            for (int h = 0; h < heads; h++)
            {
                double sum = 0;
                for (int c = h * d; c < (h + 1) * d; c++) sum += (double)key[(long)i * keyStride + c] * query[c];
                scorers[i * heads + h] = (float)sum;
            }
        _scorers = new PackedMatrix(scorers, inputs, heads);
        var biases = valueBias.ToArray();
        _values = Enumerable.Range(0, heads).Select(h => new Linear(
            new PackedMatrix(value.AsSpan(valueColumn + h * d), inputs, d, rowStride: valueStride, columnStride: 1),
            biases[(h * d)..((h + 1) * d)])).ToArray();
    }

    public static AttentionPool Audio(WeightLoader weights, int heads)
    {
        var query = weights.Tensor("audio_pool.query");
        var keyValue = weights.Tensor("audio_pool.kv.weight");
        int width = query.Length, inputs = keyValue.Length / (2 * width);
        // One dense layer makes k | v side by side: k in columns [0, width), v in [width, 2 width).
        return new(query, heads, inputs, keyValue, 2 * width, keyValue, 2 * width, width,
            weights.Tensor("audio_pool.kv.bias").AsSpan(width, width), weights.Linear("audio_pool.out"));
    }

    public static AttentionPool Text(WeightLoader weights)
    {
        var query = weights.Tensor("text_pool.query");
        var key = weights.Tensor("text_pool.key.weight");
        var value = weights.Tensor("text_pool.value.weight");
        int width = query.Length, inputs = key.Length / width;
        return new(query, 1, inputs, key, width, value, width, 0, weights.Tensor("text_pool.value.bias"), null);
    }

    /// <summary>The pooled vector of `rows` hidden states (before any output projection is applied by the caller for text).</summary>
    public float[] Forward(ReadOnlySpan<float> hidden, int rows)
    {
        int heads = _values.Length, inputs = _scorers.K;
        if (rows <= 0) throw new ArgumentException("attention pooling over no positions");
        var scores = new float[rows * heads];
        Gemm.Multiply(hidden, rows, _scorers, [], scores, maxThreads: 1);
        // Softmax weights per head, a row of `rows` each, then the weighted sum of the hidden states (rows in
        // the outer loop, so that each is read once and the heads' sums stay in L1).
        var weights = new float[heads * rows];
        for (int j = 0; j < rows; j++)
            for (int h = 0; h < heads; h++)
                weights[h * rows + j] = scores[j * heads + h];
        var sums = new float[heads];
        for (int h = 0; h < heads; h++) sums[h] = VectorMath.SoftmaxNumerators(weights.AsSpan(h * rows, rows), _scale);
        var means = new float[heads * inputs];
        for (int j = 0; j < rows; j++)
        {
            var row = hidden.Slice(j * inputs, inputs);
            for (int h = 0; h < heads; h++)
            {
                var mean = means.AsSpan(h * inputs, inputs);
                TensorPrimitives.FusedMultiplyAdd(row, weights[h * rows + j], mean, mean);
            }
        }
        int d = _values[0].Outputs;
        var pooled = new float[heads * d];
        for (int h = 0; h < heads; h++)
        {
            var mean = means.AsSpan(h * inputs, inputs);
            TensorPrimitives.Divide(mean, sums[h], mean);
            _values[h].Apply(mean, 1, pooled.AsSpan(h * d, d));
        }
        return _out is null ? pooled : _out.Apply(pooled, 1);
    }
}
