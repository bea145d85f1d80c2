using ILGPU;

namespace Cacophony.Kernels.Gpu;

/// <summary>Element-wise kernels, one thread per element (implicitly grouped).</summary>
public static class ElementwiseKernels
{
    /// <summary>x += y.</summary>
    public static void Add(Index1D i, ArrayView<float> x, ArrayView<float> y) => x[i] += y[i];

    /// <summary>x = act(x): 1 GELU (exact), 2 SiLU.</summary>
    public static void Activate(Index1D i, ArrayView<float> x, int activation) =>
        x[i] = activation == (int)Epilogue.Gelu ? DeviceMath.Gelu(x[i]) : activation == (int)Epilogue.SiLU ? DeviceMath.SiLU(x[i]) : x[i];

    /// <summary>
    /// RoBERTa input embeddings of row r: word[ids[r]] + position[positions[r]] + tokenType[0] (width t).
    /// </summary>
    public static void Embed(Index1D i, ArrayView<int> ids, ArrayView<int> positions, ArrayView<float> word, ArrayView<float> position,
        ArrayView<float> tokenType, ArrayView<float> x, int t)
    {
        int row = i / t, column = i % t;
        x[i] = word[(long)ids[row] * t + column] + position[(long)positions[row] * t + column] + tokenType[column];
    }

    /// <summary>
    /// The audio encoder's positions, added to the patch embeddings: concat(sin(t w), cos(t w)) + freq[f],
    /// w_j = exp(-2 j ln(maxTime) / h), the angle in float64 as the CPU engine computes it.
    /// </summary>
    public static void AddAudioPositions(Index1D i, ArrayView<float> x, ArrayView<int> time, ArrayView<int> frequency,
        ArrayView<float> frequencyEmbedding, int h, double logMaxTime)
    {
        int row = i / h, column = i % h, half = h / 2;
        int j = column < half ? column : column - half;
        double angle = time[row] * Math.Exp(-2.0 * j * logMaxTime / h);
        float position = column < half ? (float)Math.Sin(angle) : (float)Math.Cos(angle);
        x[i] = x[i] + position + frequencyEmbedding[(long)frequency[row] * h + column];
    }
}
