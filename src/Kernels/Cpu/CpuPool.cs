using System.Numerics.Tensors;

namespace Cacophony.Kernels.Cpu;

/// <summary>
/// The attention pool on the CPU engine: the heads' scorer vectors are one packed matrix, so the scores of all
/// heads are one product with the hidden states; each head's value slice is its own packed matrix.
/// </summary>
sealed class CpuPool : PoolWeights
{
    readonly PackedMatrix _scorers;
    readonly CpuLinear[] _values;
    readonly float _scale;

    public CpuPool(float[] scorers, int inputs, int heads, ReadOnlySpan<float> value, int valueStride, int valueColumn, float[] valueBias)
    {
        int width = valueBias.Length, d = width / heads;
        if (heads <= 0 || width % heads != 0) throw new ArgumentException($"{heads} pooling heads do not divide the value's {width} columns");
        _scale = 1 / MathF.Sqrt(d);
        _scorers = new PackedMatrix(scorers, inputs, heads);
        _values = new CpuLinear[heads];
        for (int h = 0; h < heads; h++)
            _values[h] = new CpuLinear(new PackedMatrix(value[(valueColumn + h * d)..], inputs, d, rowStride: valueStride, columnStride: 1),
                valueBias[(h * d)..((h + 1) * d)]);
    }

    public override int Inputs => _scorers.K;
    public override int Heads => _values.Length;
    public override int Outputs => _values.Length * _values[0].Outputs;

    /// <summary>The pooled vector of `rows` hidden states.</summary>
    public void Forward(ReadOnlySpan<float> hidden, int rows, Span<float> pooled)
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
        for (int h = 0; h < heads; h++)
        {
            var mean = means.AsSpan(h * inputs, inputs);
            TensorPrimitives.Divide(mean, sums[h], mean);
            Gemm.Multiply(mean, 1, _values[h].Weight, _values[h].Bias, pooled.Slice(h * d, d));
        }
    }
}
