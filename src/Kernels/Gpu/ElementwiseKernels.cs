using ILGPU;

namespace Cacophony.Kernels.Gpu;

/// <summary>Element-wise kernels, one thread per element (implicitly grouped).</summary>
public static class ElementwiseKernels
{
    /// <summary>x += y.</summary>
    public static void Add(Index1D i, ArrayView<float> x, ArrayView<float> y) => x[i] += y[i];

    /// <summary>x = act(x): 1 GELU (exact), 2 SiLU.</summary>
    public static void Activate(Index1D i, ArrayView<float> x, int activation) =>
        x[i] = activation == (int)Activation.Gelu ? DeviceMath.Gelu(x[i]) : activation == (int)Activation.SiLU ? DeviceMath.SiLU(x[i]) : x[i];

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

    /// <summary>The original's log compression of mel energies: log(x + 1e-5) * 0.2 + 0.9.</summary>
    public static void LogMel(Index1D i, ArrayView<float> x) => x[i] = MathF.Log(x[i] + 1e-5f) * 0.2f + 0.9f;

    /// <summary>
    /// Patch rows from a log-mel [frames, melBins]: row s is patch keep[s] = t * freqs + f, holding frames
    /// 16t .. 16t + 15 x bins 16f .. 16f + 15 flattened time-major (dt * 16 + df).
    /// </summary>
    public static void GatherPatches(Index1D i, ArrayView<float> mel, ArrayView<int> keep, ArrayView<float> patches, int melBins, int patchTime, int patchFreq)
    {
        int size = patchTime * patchFreq, row = i / size, element = i % size, dt = element / patchFreq, df = element % patchFreq;
        int freqs = melBins / patchFreq, t = keep[row] / freqs, f = keep[row] % freqs;
        patches[i] = mel[(long)(t * patchTime + dt) * melBins + f * patchFreq + df];
    }

    /// <summary>
    /// dst[r * dstStride + c] = src[r * srcStride + c] for r &lt; rows, c &lt; width: copies rows out of a wider block
    /// (the k or v columns of a fused q|k|v block into a KV cache; last rows into a contiguous batch).
    /// </summary>
    public static void CopyRows(Index1D i, ArrayView<float> source, int sourceStride, ArrayView<float> destination, int destinationStride, int width)
    {
        int row = i / width, column = i % width;
        destination[(long)row * destinationStride + column] = source[(long)row * sourceStride + column];
    }
}
