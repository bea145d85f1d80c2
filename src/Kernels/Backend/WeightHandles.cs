namespace Cacophony.Kernels;

/// <summary>A dense layer y = x W + b prepared by a backend (packed for the CPU GEMM, uploaded to a device).</summary>
public abstract class LinearWeights
{
    public abstract int Inputs { get; }
    public abstract int Outputs { get; }
}

/// <summary>
/// Builds a <see cref="LinearWeights"/> from blocks of its (in, out) matrix, a block of columns at a time, so
/// that fused layers (q | k | v side by side) are prepared from their parts without a concatenated copy.
/// </summary>
public abstract class LinearBuilder
{
    /// <summary>Columns [firstColumn, firstColumn + width) from a block of `inputs` rows of `width` values (row stride `rowStride`, default width).</summary>
    public abstract void Columns(ReadOnlySpan<float> block, int firstColumn, int width, int rowStride = 0);

    /// <summary>
    /// Columns [firstColumn, firstColumn + width) stored as int8 per output channel: a block of `inputs` rows of
    /// `width` values q and a scale per column, w = scale * q. A backend that runs int8 products takes them as
    /// they are; the others take the dequantized values.
    /// </summary>
    public virtual void QuantizedColumns(ReadOnlySpan<sbyte> block, ReadOnlySpan<float> scales, int firstColumn, int width)
    {
        if (scales.Length != width || block.Length % width != 0) throw new ArgumentException($"{block.Length} values and {scales.Length} scales for {width} columns");
        var values = new float[block.Length];
        for (int i = 0; i < values.Length; i++) values[i] = scales[i % width] * block[i];
        Columns(values, firstColumn, width);
    }

    /// <summary>The finished layer with its bias (one value per output).</summary>
    public abstract LinearWeights Build(float[] bias);
}

/// <summary>LayerNorm parameters with their epsilon, prepared by a backend.</summary>
public abstract class NormWeights
{
    public abstract int Width { get; }
}

/// <summary>
/// An attention pool with a learned query, in the one formulation every backend runs: per head h, a scorer
/// vector s_h = W_k,h q_h, softmax weights p_j = softmax_j(h_j . s_h / sqrt(d)), the weighted mean of the hidden
/// states m_h = sum_j p_j h_j, and the head's output m_h W_v,h + b_v,h (docs/MODEL.md derives it).
/// </summary>
public abstract class PoolWeights
{
    public abstract int Inputs { get; }
    public abstract int Heads { get; }
    /// <summary>heads x head width: the pooled vector's length.</summary>
    public abstract int Outputs { get; }
}

/// <summary>Token embeddings: the word table, position table and token-type row, prepared by a backend.</summary>
public abstract class TokenEmbeddingWeights
{
    public abstract int Width { get; }
}

/// <summary>The audio encoder's positional terms: sin/cos of the time index and a learned row per frequency index.</summary>
public abstract class PatchPositionWeights
{
    public abstract int Width { get; }
}

/// <summary>A log-mel front end prepared by a backend (window, FFT, mel matrix).</summary>
public abstract class LogMelPlan
{
    public abstract LogMelSettings Settings { get; }
}
