using Cacophony.Kernels;
using Cacophony.Model.Layers;
using Cacophony.Weights.Canonical;
using static Cacophony.Weights.Canonical.WeightMap;

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
/// (float32 differences of a few ulps; the parity tests bound them). Every backend runs this formulation.
/// </summary>
sealed class AttentionPool
{
    readonly IComputeBackend _backend;
    readonly PoolWeights _weights;

    public int Outputs => _weights.Outputs;

    /// <param name="query">The learned query (heads x d).</param>
    /// <param name="key">W_k: `inputs` rows of heads x d columns, `keyStride` floats apart (its bias cancels, so it is not read).</param>
    /// <param name="value">W_v as the (in, out) rows of a matrix `valueStride` floats wide, its first column at `valueColumn`; b_v from `valueBias`.</param>
    AttentionPool(IComputeBackend backend, float[] query, int heads, int inputs, float[] key, int keyStride, float[] value, int valueStride, int valueColumn, float[] valueBias)
    {
        int width = query.Length, d = width / heads;
        if (heads <= 0 || width % heads != 0) throw new ArgumentException($"{heads} pooling heads do not divide the query's {width} values");
        // Column h of the scorers is W_k q for head h: scores of all heads are one product with the hidden states.
        var scorers = new float[inputs * heads];
        for (int i = 0; i < inputs; i++)
            for (int h = 0; h < heads; h++)
            {
                double sum = 0;
                for (int c = h * d; c < (h + 1) * d; c++) sum += (double)key[(long)i * keyStride + c] * query[c];
                scorers[i * heads + h] = (float)sum;
            }
        _backend = backend;
        _weights = backend.Pool(scorers, inputs, heads, value, valueStride, valueColumn, valueBias);
    }

    public static AttentionPool Audio(WeightLoader weights, int heads)
    {
        var query = weights.Tensor(Names.AudioPool.Query);
        var keyValue = weights.Tensor(Names.AudioPool.KeyValue.Weight);
        int width = query.Length, inputs = keyValue.Length / (2 * width);
        // One dense layer makes k | v side by side: k in columns [0, width), v in [width, 2 width).
        return new(weights.Backend, query, heads, inputs, keyValue, 2 * width, keyValue, 2 * width, width, weights.Tensor(Names.AudioPool.KeyValue.Bias)[width..]);
    }

    public static AttentionPool Text(WeightLoader weights)
    {
        var query = weights.Tensor(Names.Text.PoolQuery);
        var key = weights.Tensor(Names.Text.PoolKey.Weight);
        var value = weights.Tensor(Names.Text.PoolValue.Weight);
        int width = query.Length, inputs = key.Length / width;
        return new(weights.Backend, query, 1, inputs, key, width, value, width, 0, weights.Tensor(Names.Text.PoolValue.Bias));
    }

    /// <summary>One pooled row per sequence (sequence b: rows offsets[b] .. offsets[b+1]-1 of hidden).</summary>
    public void Forward(TensorView hidden, int[] offsets, TensorView pooled) => _backend.Pool(_weights, hidden, offsets, pooled);
}
